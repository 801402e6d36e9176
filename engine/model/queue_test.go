package model

import (
	"strings"
	"testing"

	"hearth/engine/ops"
	"hearth/engine/synth"
)

// A decode step goes through the host's queue (ops.BeginQueue) with the default numerics
// only, a prompt only with ops.QueueAll; when the queue reports a failed check the step
// runs again without it, and the state ends as after one step: the same logits, the
// position and tokens advanced once. (Natively nothing is deferred: this host's queue
// only counts and fails on request; the browser's is checked by wasm/simd's
// TestShippedSIMD and the browser tests.) Natively every operation is Go code, so each
// pauses the queue (ops.GoCode: an end and a begin), on one goroutine as in the browser.
func TestQueueRetry(t *testing.T) {
	defer func(n int) { ops.Threads = n }(ops.Threads)
	ops.Threads = 1
	m := synthModel(t, synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 4})
	var begins, ends, fail int
	defer func() { ops.QueueBegin, ops.QueueEnd, ops.QueueAll = nil, nil, false }()
	ops.QueueBegin = func() { begins++ }
	ops.QueueEnd = func() bool {
		ends++
		if fail > 0 {
			fail--
			return false
		}
		return true
	}
	prompt := []int32{1, 5, 9, 200}
	var promptBegins int
	run := func(failSteps int) ([]float32, *State) {
		s, _ := m.NewState(32)
		begins = 0
		if _, err := s.Forward(prompt, false); err != nil {
			t.Fatal(err)
		}
		promptBegins, begins, ends = begins, 0, 0
		fail = failSteps
		out, err := s.Forward([]int32{7}, false)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), out...), s
	}
	want, _ := run(0)
	if promptBegins != 0 || begins == 0 || begins != ends {
		t.Fatalf("prompt: %d queue begins; decode step: %d begins, %d ends; want the decode step's only", promptBegins, begins, ends)
	}
	queuedEnds := ends
	got, s := run(1)
	if fail != 0 || begins != queuedEnds || ends != queuedEnds {
		t.Fatalf("a failed check: %d queue begins, %d ends, want %d (the step again, unqueued)", begins, ends, queuedEnds)
	}
	if s.Pos != len(prompt)+1 || len(s.Tokens) != len(prompt)+1 {
		t.Fatalf("after a retried step: Pos %d, %d tokens; want %d", s.Pos, len(s.Tokens), len(prompt)+1)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("logit %d: retried %v, queued %v", i, got[i], want[i])
		}
	}
	// Other numerics never queue; QueueAll queues the prompt too.
	begins = 0
	s2, _ := m.NewState(32)
	s2.Numerics = Exact{}
	if _, err := s2.Forward([]int32{7}, false); err != nil || begins != 0 {
		t.Fatalf("exact numerics: %d queue begins (%v)", begins, err)
	}
	ops.QueueAll = true
	run(0)
	if promptBegins == 0 {
		t.Fatal("QueueAll: the prompt was not queued")
	}
}

// GoCode runs what is queued and pauses the queue until resumed; nested, it does nothing;
// with no queue open, nothing. A failed check in a paused part reaches EndQueue.
func TestGoCode(t *testing.T) {
	var log []string
	defer func() { ops.QueueBegin, ops.QueueEnd = nil, nil }()
	ops.QueueBegin = func() { log = append(log, "begin") }
	ok := true
	ops.QueueEnd = func() bool { log = append(log, "end"); return ok }
	ops.GoCode()()
	if len(log) != 0 {
		t.Fatalf("no queue open: %v", log)
	}
	if !ops.BeginQueue() || !ops.Queued() {
		t.Fatal("BeginQueue")
	}
	if ops.BeginQueue() {
		t.Fatal("a second BeginQueue opened another queue")
	}
	resume := ops.GoCode()
	if ops.Queued() {
		t.Fatal("queued while paused")
	}
	ops.GoCode()() // nested: nothing
	resume()
	ok = false
	ops.GoCode()()
	ok = true
	if ops.EndQueue() {
		t.Fatal("EndQueue reported success after a paused part's check failed")
	}
	want := "begin end begin end begin end"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("calls %q, want %q", got, want)
	}
	if !ops.EndQueue() || ops.Queued() {
		t.Fatal("EndQueue with no queue open")
	}
}
