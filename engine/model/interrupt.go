package model

// interrupt calls s.Interrupt, if set: Forward returns its error.
func (s *State) interrupt() error {
	if s.Interrupt == nil {
		return nil
	}
	return s.Interrupt()
}
