package synod

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"time"

	"connectrpc.com/connect"
)

// The backoff between attempts: doubling from minBackoff up to maxBackoff,
// each wait drawn at random from its upper half, so that clients that
// failed together do not come back together.
const (
	minBackoff = 25 * time.Millisecond
	maxBackoff = time.Second
)

// retry makes attempts until one succeeds, one fails in a way that another
// attempt cannot change or that makes another unsafe, or ctx ends; then it
// returns the last attempt's error. repeatable says whether the call may
// run again whatever became of an earlier attempt: a command with an
// idempotency key (the shard runs it at most once), or a query.
func retry[T any](ctx context.Context, repeatable bool, attempt func(context.Context) (T, error)) (T, error) {
	var zero T
	wait, unknown := minBackoff, false
	for {
		res, err := attempt(ctx)
		if err == nil {
			return res, nil
		}
		e := newError(err)
		// An attempt that was not applied says nothing of the earlier
		// ones: if one of them may have been, so may the call.
		if unknown && e.Applied == AppliedNo {
			e.Applied = AppliedUnknown
		}
		unknown = unknown || e.Applied == AppliedUnknown
		if ctx.Err() != nil || !retryable(e, repeatable) {
			return zero, e
		}
		timer := time.NewTimer(wait/2 + rand.N(wait/2))
		select {
		case <-ctx.Done():
			timer.Stop()
			return zero, e
		case <-timer.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// retryable reports whether a call that failed with e, while its context
// is still live, is worth another attempt: its failure may pass, and
// another attempt is safe, because this one certainly was not applied or
// because the call is repeatable.
func retryable(e *Error, repeatable bool) bool {
	switch e.Code {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeUnknown:
		// No leader yet, a host or connection lost, the gateway's own
		// deadline, a stream reset: none is the caller's doing, since
		// its context is live, and each may pass.
	default:
		return false
	}
	var badCert *tls.CertificateVerificationError
	if errors.As(e, &badCert) {
		return false // a certificate that did not verify will not
	}
	return e.Applied == AppliedNo || (repeatable && e.Applied == AppliedUnknown)
}
