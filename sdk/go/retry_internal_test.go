package synod

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	badCert := &Error{Code: connect.CodeUnavailable, err: connect.NewError(connect.CodeUnavailable, &tls.CertificateVerificationError{})}
	for _, tc := range []struct {
		name       string
		err        *Error
		repeatable bool
		want       bool
	}{
		{"not applied, unavailable", &Error{Code: connect.CodeUnavailable, Applied: AppliedNo}, false, true},
		{"unknown, unavailable, keyed", &Error{Code: connect.CodeUnavailable}, true, true},
		{"unknown, unavailable, unkeyed", &Error{Code: connect.CodeUnavailable}, false, false},
		{"unknown, canceled by the transport, keyed", &Error{Code: connect.CodeCanceled}, true, true},
		{"unknown, the gateway's deadline, keyed", &Error{Code: connect.CodeDeadlineExceeded}, true, true},
		{"applied, unavailable", &Error{Code: connect.CodeUnavailable, Applied: AppliedYes}, true, false},
		{"application error", &Error{Code: connect.CodeFailedPrecondition, Applied: AppliedYes, Application: &ApplicationError{Code: 409}}, true, false},
		{"unknown, internal, keyed", &Error{Code: connect.CodeInternal}, true, false},
		{"not found", &Error{Code: connect.CodeNotFound, Applied: AppliedNo}, true, false},
		{"unauthenticated", &Error{Code: connect.CodeUnauthenticated, Applied: AppliedNo}, true, false},
		{"certificate that did not verify", badCert, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := retryable(tc.err, tc.repeatable); got != tc.want {
				t.Fatalf("retryable(%+v, %v) = %v, want %v", tc.err, tc.repeatable, got, tc.want)
			}
		})
	}
}

// TestRetryKeepsUnknown checks that an attempt that was certainly not
// applied, after one that may have been, leaves the call's outcome unknown.
func TestRetryKeepsUnknown(t *testing.T) {
	t.Parallel()
	failures := []error{
		connect.NewError(connect.CodeUnavailable, errors.New("connection lost")),
		proposeFailure(t, connect.CodeNotFound, AppliedNo),
	}
	attempts := 0
	_, err := retry(t.Context(), true, func(context.Context) (struct{}, error) {
		attempts++
		return struct{}{}, failures[attempts-1]
	})
	var e *Error
	if !errors.As(err, &e) || e.Code != connect.CodeNotFound || e.Applied != AppliedUnknown || attempts != 2 {
		t.Fatalf("retry = %v (%+v) after %d attempts, want not_found, applied unknown, after 2", err, e, attempts)
	}
}

// proposeFailure makes the error of a failed Propose as the gateway sends it.
func proposeFailure(t *testing.T, code connect.Code, applied Applied) *connect.Error {
	t.Helper()
	values := map[Applied]synodv1.Applied{
		AppliedNo: synodv1.Applied_APPLIED_NO, AppliedUnknown: synodv1.Applied_APPLIED_UNKNOWN, AppliedYes: synodv1.Applied_APPLIED_YES,
	}
	detail, err := connect.NewErrorDetail(&synodv1.ProposeFailure{Applied: values[applied]})
	if err != nil {
		t.Fatal(err)
	}
	ce := connect.NewError(code, fmt.Errorf("%v", code))
	ce.AddDetail(detail)
	return ce
}
