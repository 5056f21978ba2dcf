package guest

// dispatch runs one handler for an entry point and reports its outcome to
// the host: the result through set_output, or an application error through
// set_error. It returns the entry point's return value: 0 on success, else
// the error code (any non-zero i32).
//
// A panic in the handler is deliberately not recovered: it is a trap, which
// the host turns into a rollback and a fresh instance.
func dispatch(entry string, h func([]byte) ([]byte, error), req []byte) int32 {
	if h == nil {
		hostSetError(CodeUnknown, "module registered no "+entry+" handler (guest.Register)")
		return CodeUnknown
	}
	out, err := h(req)
	if err != nil {
		code, msg := applicationError(err)
		hostSetError(code, msg)
		return int32(code)
	}
	if len(out) > 0 {
		hostSetOutput(out)
	}
	return 0
}
