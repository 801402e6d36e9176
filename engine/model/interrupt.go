package model

import "hearth/engine/ops"

// interrupt calls s.Interrupt, if set: Forward returns its error. A queued prompt
// (ops.BeginQueue) first runs what is queued, so its kernels are never far behind the
// check and a cancel is as quick as unqueued; a queued decode step checks while it
// records, ahead of its kernels: its cancel waits for the rest of the step, ~10-30 ms.
func (s *State) interrupt() error {
	if s.Interrupt == nil {
		return nil
	}
	if s.runQueued {
		ops.GoCode()()
	}
	return s.Interrupt()
}
