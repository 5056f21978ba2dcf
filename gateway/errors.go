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
// module's application error carries an ApplicationError detail. Errors
// of no known kind are logged and reported as Internal without detail.
// With the deadlines interceptor, this is the one place that does.
func toConnect(log *slog.Logger, err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	kind := outcome.KindOf(err)
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
