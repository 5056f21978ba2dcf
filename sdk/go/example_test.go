package synod_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"time"

	synod "github.com/synodhq/synod/sdk/go"
)

// The examples call the shard "kv", which runs the kv example
// (examples/kv), on the gateway SYNOD_ADDR names with the key in
// SYNOD_TOKEN: TestMain starts a dev cluster and sets both.

// Propose a command, then read its effect from any replica.
func Example() {
	client, err := synod.New() // SYNOD_ADDR, SYNOD_TOKEN
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	put, err := client.Propose(ctx, "kv", []byte(`{"op":"put","key":"greeting","value":"hello"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(put.Result))

	got, err := client.Query(ctx, "kv", []byte(`{"op":"get","key":"greeting"}`), synod.AtLeastIndex(put.Index))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(got.Result))
	// Output:
	// {"ok":true}
	// {"key":"greeting","value":"hello","found":true}
}

// A command sent twice with one idempotency key runs once.
func ExampleWithIdempotencyKey() {
	client, err := synod.New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// In practice the key names the work being done, such as the ID of
	// the request a serverless function serves, which its retries share.
	key := "pay-order-17/" + rand.Text()
	cmd := []byte(`{"op":"put","key":"order-17","value":"paid"}`)
	first, err := client.Propose(ctx, "kv", cmd, synod.WithIdempotencyKey(key))
	if err != nil {
		log.Fatal(err)
	}
	again, err := client.Propose(ctx, "kv", cmd, synod.WithIdempotencyKey(key))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.Replayed, again.Replayed, first.Index == again.Index)
	// Output: false true true
}

// A module's rejection is an error that says the command was applied, and
// carries the module's code and message.
func ExampleIsApplicationError() {
	client, err := synod.New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = client.Propose(ctx, "kv", []byte(`{"op":"cas","key":"greeting","expect":"bonjour","value":"hi"}`))
	if synod.IsApplicationError(err) {
		var e *synod.Error
		errors.As(err, &e)
		fmt.Println(e.Code, e.Applied, e.Application.Code)
	}
	// Output: failed_precondition yes 409
}

// A batch commits several commands in one log entry; each has its own
// result or error.
func ExampleClient_ProposeBatch() {
	client, err := synod.New()
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.ProposeBatch(context.Background(), "kv", synod.Batch{Commands: []synod.Command{
		{Data: []byte(`{"op":"put","key":"batch-a","value":"1"}`)},
		{Data: []byte(`{"op":"bogus"}`)},
	}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Results {
		if r.Err != nil {
			fmt.Println("error:", r.Err)
			continue
		}
		fmt.Println(string(r.Result))
	}
	// Output:
	// {"ok":true}
	// error: failed_precondition: module error 400: unknown op "bogus"
}
