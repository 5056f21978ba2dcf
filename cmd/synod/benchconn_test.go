package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// echoData answers a Propose with its command as the result, and with a
// Connect error for the shard "missing"; it closes the connection after
// answering the shard "close".
type echoData struct {
	synodv1connect.UnimplementedDataServiceHandler
	token string
	// arrived hears of each call to the shard "hang", which is
	// answered once hang is closed.
	arrived chan struct{}
	hang    chan struct{}
}

func (d echoData) Propose(_ context.Context, req *connect.Request[synodv1.ProposeRequest]) (*connect.Response[synodv1.ProposeResponse], error) {
	if got := req.Header().Get("Authorization"); got != "Bearer "+d.token {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("wrong key "+got))
	}
	if req.Msg.Shard == "hang" {
		d.arrived <- struct{}{}
		<-d.hang
	}
	if req.Msg.Shard == "missing" {
		return nil, connect.NewError(connect.CodeNotFound, errors.New("no shard missing"))
	}
	res := connect.NewResponse(&synodv1.ProposeResponse{Result: req.Msg.Command})
	if req.Msg.Shard == "close" {
		res.Header().Set("Connection", "close")
	}
	return res, nil
}

// TestBenchConn makes calls over one benchConn to a Connect server under
// a path prefix: answers, the server's errors, and a connection the
// server closes, after each of which the next call still works.
func TestBenchConn(t *testing.T) {
	t.Parallel()
	path, h := synodv1connect.NewDataServiceHandler(echoData{token: "t0k"})
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(http.StripPrefix("/api", mux))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	target, err := url.Parse(srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	c := newBenchConn(target, nil, "t0k")
	ctx := context.Background()
	propose := func(shard, command string) (string, error) {
		var res synodv1.ProposeResponse
		err := c.call(ctx, synodv1connect.DataServiceProposeProcedure, &synodv1.ProposeRequest{Shard: shard, Command: []byte(command)}, &res)
		return string(res.Result), err
	}
	for i, tt := range []struct {
		shard, command, want, wantErr string
		wantConns                     int32
	}{
		{shard: "a", command: "one", want: "one", wantConns: 1},
		{shard: "a", command: strings.Repeat("x", 10000), want: strings.Repeat("x", 10000), wantConns: 1},
		{shard: "missing", wantErr: "not_found: no shard missing", wantConns: 1},
		{shard: "a", command: "after an error", want: "after an error", wantConns: 1},
		{shard: "close", command: "closing", want: "closing", wantConns: 1},
		{shard: "a", command: "redialled", want: "redialled", wantConns: 2},
	} {
		got, err := propose(tt.shard, tt.command)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Fatalf("call %d: error %v, want %q", i, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Fatalf("call %d: %.20q, %v; want %.20q", i, got, err, tt.want)
		case conns.Load() != tt.wantConns:
			t.Fatalf("after call %d the server saw %d connections, want %d", i, conns.Load(), tt.wantConns)
		}
	}
	wrongKey := newBenchConn(target, nil, "other")
	var res synodv1.ProposeResponse
	err = wrongKey.call(ctx, synodv1connect.DataServiceProposeProcedure, &synodv1.ProposeRequest{Shard: "a"}, &res)
	if err == nil || !strings.HasPrefix(err.Error(), "unauthenticated: wrong key Bearer other") {
		t.Fatalf("a call with another key: %v, want unauthenticated", err)
	}
}

// TestBenchConnEndsWithItsContext cancels a call that the server does not
// answer: the call returns then, not when the server answers.
func TestBenchConnEndsWithItsContext(t *testing.T) {
	t.Parallel()
	arrived, hang := make(chan struct{}, 1), make(chan struct{})
	path, h := synodv1connect.NewDataServiceHandler(echoData{token: "t0k", arrived: arrived, hang: hang})
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(hang)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := newBenchConn(target, nil, "t0k")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.call(ctx, synodv1connect.DataServiceProposeProcedure, &synodv1.ProposeRequest{Shard: "hang"}, &synodv1.ProposeResponse{})
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cancelled call that the server never answered succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a cancelled call still waits for its answer after 30 s")
	}
	// The connection is dropped, and the next call dials anew.
	var res synodv1.ProposeResponse
	if err := c.call(context.Background(), synodv1connect.DataServiceProposeProcedure, &synodv1.ProposeRequest{Shard: "a", Command: []byte("next")}, &res); err != nil || string(res.Result) != "next" {
		t.Fatalf("the call after a cancelled one: %q, %v", res.Result, err)
	}
}
