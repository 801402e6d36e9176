#!/usr/bin/env bash
# Hearth's one build script. Idempotent; installs what it needs on a fresh Debian machine.
#
#   ./build.sh serve   build everything into static/ and serve it on http://127.0.0.1:8080
#   ./build.sh test    run every test: go vet, native tests, the engine's tests under
#                      GOOS=js GOARCH=wasm (Node), and the browser tests when present
#   ./build.sh bench   native engine benchmarks (see README)
#   ./build.sh clean   remove build outputs
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$(go env GOROOT)/lib/wasm:$(go env GOPATH)/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

need_node() {
	if ! command -v node >/dev/null; then
		log "installing Node.js (apt)"
		apt_install nodejs npm
	fi
}

apt_updated=""
apt_install() {
	if [ -z "$apt_updated" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Packages that run under GOOS=js GOARCH=wasm (the engine: pure Go, no syscall/js).
wasm_packages() {
	go list ./engine/... | grep -v '/cmd/'
}

build() {
	log "go build"
	go build ./...
	GOOS=js GOARCH=wasm go build $(wasm_packages)
	mkdir -p bin
	go build -o bin/hearth ./engine/cmd/hearth
}

run_tests() {
	need_node
	log "go vet"
	go vet ./...
	GOOS=js GOARCH=wasm go vet $(wasm_packages)
	log "native tests"
	go test -count=1 ./...
	log "engine tests under GOOS=js GOARCH=wasm (Node $(node --version))"
	GOOS=js GOARCH=wasm go test -count=1 -exec go_js_wasm_exec $(wasm_packages)
}

case "${1:-}" in
serve)
	build
	addr="${HEARTH_ADDR:-127.0.0.1:8080}"
	if [ -d server ] && ls server/*.go >/dev/null 2>&1; then
		log "serving static/ on http://$addr"
		exec go run ./server --addr "$addr" --static ./static
	fi
	log "no server yet"
	;;
test)
	build
	run_tests
	;;
bench)
	build
	log "native kernel and decode benchmarks"
	go test -run '^$' -bench . -benchtime 2x ./engine/...
	;;
clean)
	rm -rf bin static/models static/*.wasm static/*.js static/*.css static/*.html
	;;
*)
	sed -n '2,10p' "$0"
	exit 2
	;;
esac
