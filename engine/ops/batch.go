package ops

// BatchBegin and BatchEnd bracket products that share one input and do not depend on one
// another (Q/K/V, gate/up): the browser build records the products in between and runs
// them as one threaded job (one synchronisation of its helper threads instead of one per
// product, and products too small to split alone go with the others). A product in a
// batch may run as late as BatchEnd: its activations and outputs must stay untouched
// until then. Nil natively, where each product runs when called.
var BatchBegin, BatchEnd func()

// Batching reports whether the host brackets batches (BatchBegin and BatchEnd both set).
func Batching() bool { return BatchBegin != nil && BatchEnd != nil }

// Batch runs fn's products as one batch (see BatchBegin).
func Batch(fn func()) {
	if !Batching() {
		fn()
		return
	}
	BatchBegin()
	defer BatchEnd()
	fn()
}
