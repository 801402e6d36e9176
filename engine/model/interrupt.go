package model

// interrupt calls s.Interrupt, if set: Forward returns its error. A queued pass (a decode
// step, ops.BeginQueue) checks while it records, ahead of the kernels: its cancel waits for
// the rest of the step, ~10-30 ms.
func (s *State) interrupt() error {
	if s.Interrupt == nil {
		return nil
	}
	return s.Interrupt()
}
