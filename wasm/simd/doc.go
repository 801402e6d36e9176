// Package simd connects the engine to hearth-kernels.wasm, the WebAssembly SIMD kernel
// module assembled by ./gen: under js/wasm it declares the module's functions with
// //go:wasmimport (import module "hearth_simd") and Install registers them as
// ops.Kernels. The kernels run on Go's own linear memory: the host instantiates the
// kernel module with env.memory = the Go instance's exported "mem" and passes its exports
// as the hearth_simd imports of the Go module (see node_exec.js for the wiring).
//
// Natively the package is empty; the Go loops of engine/quant are the fallback and the
// reference the kernels are cross-checked against:
//
//	GOOS=js GOARCH=wasm go test -exec wasm/simd/node_exec.sh ./wasm/simd/
package simd
