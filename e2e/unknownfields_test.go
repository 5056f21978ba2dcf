package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestUnknownJSONFields sends JSON requests that name a field the schema
// does not have, to the gateway's public API and to a host's internal API
// (served by its real handler):
// each is refused with invalid_argument naming the field, and a refused
// Propose applies nothing.
func TestUnknownJSONFields(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	c.kvShard(t, "strict", 1)
	mux := http.NewServeMux()
	mux.Handle(hostapi.NewHandler(c.Host(0), 0))
	hostAPI := httptest.NewServer(mux)
	t.Cleanup(hostAPI.Close)
	put := base64.StdEncoding.EncodeToString(kvCmd{Op: "put", Key: "k", Value: "v"}.bytes())
	getQuery := base64.StdEncoding.EncodeToString(kvCmd{Op: "get", Key: "k"}.bytes())

	tests := []struct {
		name  string
		do    func() (*http.Response, error)
		field string
	}{
		{"propose", func() (*http.Response, error) {
			return c.Client().Post(c.URL()+synodv1connect.DataServiceProposeProcedure, "application/json",
				strings.NewReader(`{"shard":"strict","command":"`+put+`","idempotencyKeys":"once"}`))
		}, "idempotencyKeys"},
		{"propose, json; charset=utf-8", func() (*http.Response, error) {
			return c.Client().Post(c.URL()+synodv1connect.DataServiceProposeProcedure, "application/json; charset=utf-8",
				strings.NewReader(`{"shard":"strict","command":"`+put+`","dedup_key":"once"}`))
		}, "dedup_key"},
		{"query by GET", func() (*http.Response, error) {
			msg := url.QueryEscape(`{"shard":"strict","query":"` + getQuery + `","consistensy":"CONSISTENCY_STALE"}`)
			return c.Client().Get(c.URL() + synodv1connect.DataServiceQueryProcedure + "?connect=v1&encoding=json&message=" + msg)
		}, "consistensy"},
		{"host internal API", func() (*http.Response, error) {
			return http.Post(hostAPI.URL+"/synod.host.v1.HostService/ShardStatus", "application/json",
				strings.NewReader(`{"shardId":"1","verbose":true}`))
		}, "verbose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.do()
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var body struct{ Code, Message string }
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("HTTP %d, body %q: %v", res.StatusCode, b, err)
			}
			if body.Code != connect.CodeInvalidArgument.String() || !strings.Contains(body.Message, `"`+tt.field+`"`) {
				t.Errorf("HTTP %d, code %q, message %q: want invalid_argument naming %q", res.StatusCode, body.Code, body.Message, tt.field)
			}
		})
	}
	if got := c.mustQuery(t, "strict", kvCmd{Op: "get", Key: "k"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Found {
		t.Errorf("a refused propose was applied: %+v", got)
	}
}
