#!/usr/bin/env bash
# node_exec.sh is a `go test -exec` wrapper for js/wasm binaries that import the SIMD
# kernels (hearth_simd): it assembles hearth-kernels.wasm with ./gen (natively), unless
# HEARTH_KERNELS names an existing file, and runs the binary with node_exec.js.
#
#   GOOS=js GOARCH=wasm go test -exec wasm/simd/node_exec.sh ./wasm/simd/
#   GOOS=js GOARCH=wasm go test -exec wasm/simd/node_exec.sh -bench . -run '^$' ./wasm/simd/
#
# The relaxed-SIMD variant (hearth-kernels-relaxed.wasm) is cross-checked in Chromium
# instead (gen's TestRelaxedInChromium): Node 20's V8 miscompiles its dot product.
# HEARTH_NODE_FLAGS adds flags to node, e.g. a profile of a benchmark:
#   HEARTH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" GOOS=js GOARCH=wasm go test ...
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kernels="${HEARTH_KERNELS:-}"
if [[ -z "$kernels" ]]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$dir" && env -u GOOS -u GOARCH go run ./gen -o "$tmp")
	kernels="$tmp/hearth-kernels.wasm"
fi
GOROOT_WASM_EXEC="$(env -u GOOS -u GOARCH go env GOROOT)/lib/wasm" \
	node --stack-size=8192 ${HEARTH_NODE_FLAGS:-} "$dir/node_exec.js" "$kernels" "$@"
