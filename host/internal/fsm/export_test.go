package fsm

// SetFlushBytes sets the batch size at which s commits a run of entries.
func SetFlushBytes(s *StateMachine, n int) { s.flushBytes = n }
