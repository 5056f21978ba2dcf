package guest

import (
	"errors"
	"fmt"
)

// CodeUnknown is the application error code reported for a handler error
// that is not an [*Error], and for an [*Error] whose Code is 0.
const CodeUnknown = 1

// Error is an application error: a handler returns one to reject a command
// or query with a code and a message for the client. Every write of the call
// is rolled back, and the client receives a Connect failed_precondition error
// whose synod.v1.ApplicationError detail holds Code and Message.
//
// Code 0 means success in the ABI, so an Error with Code 0 is reported as
// [CodeUnknown]. The codes' meaning is the module's to define and document.
type Error struct {
	// Code is the module-defined error code.
	Code uint32
	// Message says what went wrong; it is shown to the client.
	Message string
}

// Error returns the code and message.
func (e *Error) Error() string {
	return fmt.Sprintf("application error %d: %s", e.Code, e.Message)
}

// Errorf returns an [*Error] with the given code and a message formatted as
// by [fmt.Sprintf].
func Errorf(code uint32, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// applicationError maps a handler's error to the code and message sent to
// the host. The first [*Error] in err's chain gives both; any other error is
// code [CodeUnknown] with err's text.
func applicationError(err error) (code uint32, msg string) {
	code, msg = CodeUnknown, err.Error()
	if e, ok := errors.AsType[*Error](err); ok {
		code, msg = e.Code, e.Message
	}
	if code == 0 {
		code = CodeUnknown
	}
	return code, msg
}
