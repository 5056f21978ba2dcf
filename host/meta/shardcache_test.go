package meta

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"
)

// framed lists shards as OpListShardRecords does: each record, as
// putJSON writes it, after its length.
func framed(t *testing.T, shards ...Shard) []byte {
	t.Helper()
	var out []byte
	for _, s := range shards {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(binary.AppendUvarint(out, uint64(len(b))), b...)
	}
	return out
}

// TestDecodeShardsOnce checks that a record decoded again from the cache
// is what decoding it afresh gives, that each shard comes with its
// record's bytes, and that what a caller does to the shard it got does
// not reach the next caller.
func TestDecodeShardsOnce(t *testing.T) {
	records := []Shard{
		{Namespace: "ns", Name: "a", ID: 1025, Replicas: []Replica{{ReplicaID: 1, HostID: 1}, {ReplicaID: 2, HostID: 2, Learning: true}}, Leader: 1},
		{Namespace: "ns", Name: "b", ID: 1026, Replicas: []Replica{}, Leaving: []Replica{{ReplicaID: 3, HostID: 3}}},
	}
	listing := framed(t, records...)
	var want []Shard
	if b, err := json.Marshal(records); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		got, raw, err := DecodeShards(listing)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: decoded %+v, want %+v", round, got, want)
		}
		for i, r := range records {
			if b, _ := json.Marshal(r); string(raw[i]) != string(b) {
				t.Fatalf("round %d: shard %d comes with record %s, want %s", round, i, raw[i], b)
			}
		}
		// What a caller changes stays its own.
		got[0].Replicas[0].HostID = 99
		got[0].Replicas = append(got[0].Replicas, Replica{ReplicaID: 4})
		got[1].Leaving[0].Learning = true
	}
	for name, listing := range map[string][]byte{
		"a record of the wrong shape":   append([]byte{10}, `{"id":"x"}`...),
		"a record cut short":            append(append([]byte(nil), listing...), 200, 1, '{'),
		"a length cut short":            append(append([]byte(nil), listing...), 0x80),
		"a length of more than 64 bits": append(append([]byte(nil), listing...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	} {
		if _, _, err := DecodeShards(listing); err == nil {
			t.Errorf("%s decoded", name)
		}
	}
}

// TestDecodedShardsSwept checks that a record no listing holds any more
// leaves the cache at the next sweep, while those still listed stay.
func TestDecodedShardsSwept(t *testing.T) {
	a, b, c := Shard{Namespace: "ns", Name: "a", ID: 2001}, Shard{Namespace: "ns", Name: "b", ID: 2002}, Shard{Namespace: "ns", Name: "c", ID: 2003}
	listing := func(shards ...Shard) []byte { return framed(t, shards...) }
	record := func(s Shard) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cached := func(s Shard) bool {
		decodedShards.Lock()
		defer decodedShards.Unlock()
		_, ok := decodedShards.byRecord[record(s)]
		return ok
	}
	if _, _, err := DecodeShards(listing(a, b)); err != nil {
		t.Fatal(err)
	}
	if !cached(a) || !cached(b) {
		t.Fatal("the records of a listing are not kept")
	}
	if _, _, err := DecodeShards(listing(a, c)); err != nil {
		t.Fatal(err)
	}
	if cached(b) {
		t.Error("a record no longer listed is kept after a sweep")
	}
	if !cached(a) || !cached(c) {
		t.Error("a record still listed is dropped")
	}
}
