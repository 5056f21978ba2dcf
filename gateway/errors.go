package gateway

import (
	"errors"
	"fmt"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/outcome"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// toConnect turns any error of a call into the Connect error the client
// sees: the code is the one outcome's table gives the error's kind, and a
// module's application error carries an ApplicationError detail. A
// Connect error of no known kind (made by connect itself) passes as it is;
// other errors of no known kind are logged and reported as Internal
// without detail. With the deadlines interceptor, this is the one place
// that maps errors to codes. An error with an outcome is classified even
// when it wraps a Connect error, so that a failed call to a host never
// reaches the client under that call's code.
func toConnect(log *slog.Logger, err error) *connect.Error {
	kind := outcome.KindOf(err)
	var ce *connect.Error
	if kind == outcome.Internal && errors.As(err, &ce) {
		return ce
	}
	var ae *outcome.AppError
	var trap *outcome.Trap
	switch {
	case errors.As(err, &ae):
		e := connect.NewError(kind.Code(), fmt.Errorf("module error %d: %s", ae.Code, ae.Message))
		if detail, derr := connect.NewErrorDetail(&synodv1.ApplicationError{Code: ae.Code, Message: ae.Message}); derr == nil {
			e.AddDetail(detail)
		}
		return e
	case errors.As(err, &trap):
		return connect.NewError(kind.Code(), fmt.Errorf("%s; the command's writes were rolled back", trap.Error()))
	case kind == outcome.Internal:
		log.Error("internal error", "err", err)
		return connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
	return connect.NewError(kind.Code(), err)
}

// appliedValues maps outcome's Applied to its public form.
var appliedValues = map[outcome.Applied]synodv1.Applied{
	outcome.AppliedNo:      synodv1.Applied_APPLIED_NO,
	outcome.AppliedUnknown: synodv1.Applied_APPLIED_UNKNOWN,
	outcome.AppliedYes:     synodv1.Applied_APPLIED_YES,
}

// addProposeFailure attaches to the error of a failed Propose the detail
// that says whether its command was applied.
func addProposeFailure(ce *connect.Error, err error) {
	if detail, derr := connect.NewErrorDetail(&synodv1.ProposeFailure{Applied: appliedValues[outcome.AppliedOf(err)]}); derr == nil {
		ce.AddDetail(detail)
	}
}

// invalid returns the error of a malformed request, which did nothing.
func invalid(format string, args ...any) error {
	return outcome.Errorf(outcome.Invalid, outcome.AppliedNo, format, args...)
}
