package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/anishathalye/porcupine"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// linInput is one operation of the history: a put, or a linearizable get.
type linInput struct {
	put   bool
	key   string
	value string
}

// linOutput is what a get saw; unknown marks a put whose fate the client
// could not learn (it may or may not have been applied).
type linOutput struct {
	value   string
	found   bool
	unknown bool
}

// kvModel is the reference model: one register per key (porcupine checks
// keys independently), "" with found=false while absent.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := make(map[string][]porcupine.Operation)
		for _, op := range history {
			k := op.Input.(linInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return linOutput{} },
	Step: func(state, input, output any) (bool, any) {
		in, out, st := input.(linInput), output.(linOutput), state.(linOutput)
		if in.put {
			return true, linOutput{value: in.value, found: true}
		}
		return out.found == st.found && out.value == st.value, state
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		if in.put {
			return fmt.Sprintf("put(%s, %s) unknown=%v", in.key, in.value, out.unknown)
		}
		return fmt.Sprintf("get(%s) -> %q found=%v", in.key, out.value, out.found)
	},
}

// TestLinearizableUnderFailover runs concurrent puts and linearizable gets
// on a few keys while the shard's leader is stopped and restarted, and
// checks the recorded history against the model with porcupine.
func TestLinearizableUnderFailover(t *testing.T) { forEachTransport(t, testLinearizableUnderFailover) }

func testLinearizableUnderFailover(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "lin", 3)
	keys := []string{"x", "y", "z"}

	start := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for client := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(client), 1))
			for n := 0; ctx.Err() == nil; n++ {
				in := linInput{key: keys[rng.IntN(len(keys))], put: rng.IntN(2) == 0}
				if in.put {
					in.value = fmt.Sprintf("c%d-%d", client, n)
				}
				call := time.Since(start).Nanoseconds()
				out, ok := linCall(ctx, c, in)
				ret := time.Since(start).Nanoseconds()
				if !ok {
					if !in.put {
						continue // a failed read has no effect
					}
					out, ret = linOutput{unknown: true}, math.MaxInt64
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	leader := c.leaderIndex(t, s)
	if err := c.StopHost(leader); err != nil {
		t.Fatalf("stop leader: %v", err)
	}
	time.Sleep(time.Second)
	if err := c.RestartHost(context.Background(), leader); err != nil {
		t.Fatalf("restart host: %v", err)
	}
	wg.Wait()

	puts, unknown := 0, 0
	for _, op := range history {
		if op.Input.(linInput).put {
			puts++
			if op.Output.(linOutput).unknown {
				unknown++
			}
		}
	}
	t.Logf("history: %d operations, %d puts (%d of unknown outcome)", len(history), puts, unknown)
	if puts == 0 || len(history) == puts {
		t.Fatalf("history has %d puts of %d operations: nothing to check", puts, len(history))
	}
	if res := porcupine.CheckOperationsTimeout(kvModel, history, 60*time.Second); res != porcupine.Ok {
		t.Fatalf("history is not linearizable (result %v)", res)
	}
	// The check can fail: a get that saw a value nobody wrote is caught.
	for i, op := range history {
		if !op.Input.(linInput).put {
			history[i].Output = linOutput{value: "never-written", found: true}
			break
		}
	}
	if res := porcupine.CheckOperationsTimeout(kvModel, history, 60*time.Second); res != porcupine.Illegal {
		t.Fatalf("a corrupted history checked as %v, want Illegal", res)
	}
}

// linCall runs one operation with a short deadline; ok is false when it
// failed.
func linCall(ctx context.Context, c *cluster, in linInput) (linOutput, bool) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if in.put {
		_, err := c.propose(ctx, "lin", kvCmd{Op: "put", Key: in.key, Value: in.value})
		return linOutput{}, err == nil
	}
	res, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{
		Shard: "lin", Query: kvCmd{Op: "get", Key: in.key}.bytes(), Consistency: synodv1.Consistency_CONSISTENCY_LINEARIZABLE,
	}))
	if err != nil {
		return linOutput{}, false
	}
	var r kvResult
	if json.Unmarshal(res.Msg.GetResult(), &r) != nil {
		return linOutput{}, false
	}
	return linOutput{value: r.Value, found: r.Found}, true
}
