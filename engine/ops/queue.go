package ops

// The browser build's deferred queue: between QueueBegin and QueueEnd the host records the
// kernel calls instead of running them, and its helper threads run them in order (a
// barrier between calls, the calls of one batch together) while the engine thread is
// still recording — so a decode step's Go glue overlaps the kernels, and the helpers
// synchronise once per call instead of being woken for every product. Nil natively and
// with one thread, where every kernel runs when called.
//
// While a queue is open no Go code may read or write a tensor a kernel call before it
// touches (its result is not there yet, or the kernel would read the Go write too early):
// every Go path that does — a fallback where no kernel takes the shapes, a Go tail after a
// kernel's multiple-of-4 prefix — starts with GoCode, which runs what is queued and pauses
// the queue until that Go code is done.
//
// QueueEnd runs what is left and reports whether every call's own check passed (the
// checks a kernel makes for its caller: scale_f32's overflow, attention's non-finite
// cache entries); when one did not, the caller runs its work again without a queue, where
// the Go fallbacks take those cases.
var QueueBegin func()
var QueueEnd func() (ok bool)

// QueueAll queues passes of several tokens too (a prompt's), not only decode steps: for
// the tests that run every shipped model through the queue. Set before any pass.
var QueueAll bool

var (
	queueOpen   bool // between BeginQueue and EndQueue
	queuePaused bool // GoCode ran what was queued; the host's queue is closed until resumed
	queueFailed bool // a check failed in a part run by GoCode
)

// BeginQueue opens the host's queue, when it has one, and reports whether it did.
func BeginQueue() bool {
	if QueueBegin == nil || queueOpen {
		return false
	}
	QueueBegin()
	queueOpen, queuePaused, queueFailed = true, false, false
	return true
}

// EndQueue runs what is still queued, closes the queue, and reports whether every queued
// call's check passed.
func EndQueue() bool {
	if !queueOpen {
		return true
	}
	ok := true
	if !queuePaused {
		ok = QueueEnd()
	}
	ok = ok && !queueFailed
	queueOpen, queuePaused, queueFailed = false, false, false
	return ok
}

// Queued reports whether kernel calls are being recorded now (not run when called).
func Queued() bool { return queueOpen && !queuePaused }

// GoCode runs what is queued and pauses the queue, for Go code that reads or writes
// tensors; the returned function resumes it: `defer ops.GoCode()()`. With no queue open
// it does nothing.
func GoCode() (resume func()) {
	if !queueOpen || queuePaused {
		return noResume
	}
	if !QueueEnd() {
		queueFailed = true
	}
	queuePaused = true
	return resumeQueue
}

func noResume() {}

func resumeQueue() {
	if queueOpen && queuePaused {
		QueueBegin()
		queuePaused = false
	}
}
