package procs

import (
	"context"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/testport"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// idle is a DataService whose Propose and Query answer at once, with the
// bytes a kv put answers and about those a get of a 64-byte value does.
type idle struct {
	synodv1connect.UnimplementedDataServiceHandler
}

var (
	putAnswer = []byte(`{"ok":true}`)
	getAnswer = []byte(`{"value":"` + string(make([]byte, 64)) + `"}`)
)

func (idle) Propose(context.Context, *connect.Request[synodv1.ProposeRequest]) (*connect.Response[synodv1.ProposeResponse], error) {
	return connect.NewResponse(&synodv1.ProposeResponse{Result: putAnswer, Index: 1}), nil
}

func (idle) Query(context.Context, *connect.Request[synodv1.QueryRequest]) (*connect.Response[synodv1.QueryResponse], error) {
	return connect.NewResponse(&synodv1.QueryResponse{Result: getAnswer, Index: 1}), nil
}

// ServeFloor serves, on addr, Synod's DataService with a Propose and a
// Query that answer at once, and /readyz, until the process ends: the
// floor under any gateway's cost (bench/cmd/floor's --serve).
func ServeFloor(addr string) error {
	mux := http.NewServeMux()
	mux.Handle(synodv1connect.NewDataServiceHandler(idle{}))
	mux.HandleFunc("GET /readyz", func(http.ResponseWriter, *http.Request) {})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// StartFloor starts floor (the bench/cmd/floor binary) serving the
// do-nothing DataService in a process of its own, and waits until it
// answers. Its cluster's one process is that server.
func StartFloor(ctx context.Context, floor, dir string) (*Cluster, error) {
	addrs, err := testport.Addrs(1)
	if err != nil {
		return nil, err
	}
	p, err := start(dir, "floor", nil, floor, "--serve", addrs[0])
	if err != nil {
		return nil, err
	}
	c := &Cluster{URL: "http://" + addrs[0], Procs: []*Proc{p}}
	if err := waitHTTP(ctx, c.URL+"/readyz", 30*time.Second, p); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}
