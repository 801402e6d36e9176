#!/usr/bin/env bash
# Builds the browser engine into a folder (first argument, or $HEARTH_WASM_OUT):
#   engine.wasm            the Go engine (GOOS=js GOARCH=wasm, stripped)
#   wasm_exec.js           Go's JS glue from this Go toolchain, patched for shared memory
#   hearth-kernels.wasm    the WebAssembly SIMD kernel module (and -shared.wasm for threads)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${HEARTH_WASM_OUT:-}}"
if [ -z "$out" ]; then
	echo "usage: wasm/build.sh OUT_DIR" >&2
	exit 2
fi
mkdir -p "$out"
GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -o "$out/engine.wasm" ./wasm
go run wasm/patch_wasm_exec.go "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
go run ./wasm/simd/gen -o "$out"
