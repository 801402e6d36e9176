#!/usr/bin/env bash
# Hearth's one build script. Idempotent; installs what it needs on a fresh Debian machine.
#
#   ./build.sh serve   build everything into static/ and serve it on http://127.0.0.1:8080
#   ./build.sh test    run every test: go vet, native tests, the engine's tests under
#                      GOOS=js GOARCH=wasm (Node), and the browser tests when present
#   ./build.sh bench   browser benchmark, Hearth vs wllama in headless Chromium (bench/README.md)
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

# templ's CLI, pinned to the version in go.mod (go run fetches and caches it).
templ_version=v0.3.1100

# build compiles everything, then builds the static bundle: templ generate, the Go code
# natively and the engine under wasm, then web/build (the wasm engine via wasm/build.sh,
# esbuild, minify, hashed names, index.html, .gz/.br) into static/. static/models/ is
# left as it is.
build() {
	log "templ generate ($templ_version)"
	go run "github.com/a-h/templ/cmd/templ@$templ_version" generate -log-level warn
	log "go build"
	go build ./...
	GOOS=js GOARCH=wasm go build $(wasm_packages)
	mkdir -p bin
	go build -o bin/hearth ./engine/cmd/hearth
	log "static bundle (web/build)"
	go run ./web/build --out static
}

# demo_model makes sure the bundle serves a model: stories260K from the shared test data
# when it is there, else a tiny random-weight model written by hearth synth.
demo_model() {
	if [ -f static/models/index.json ] && grep -q '"id"' static/models/index.json; then
		return
	fi
	local stories="${HEARTH_TESTDATA:-../shared}/models/stories260K.gguf"
	if [ -f "$stories" ]; then
		log "adding the demo model $stories"
		bin/hearth add-model "$stories" --static static
	else
		log "no $stories: adding a tiny random-weight model (hearth synth --shape tiny)"
		bin/hearth synth --shape tiny -o bin/tiny.gguf
		bin/hearth add-model bin/tiny.gguf --id tiny --static static
	fi
}

# need_chromium installs Debian's Chromium for the browser tests (wasm/browsertest).
need_chromium() {
	if [ ! -x /usr/bin/chromium ]; then
		log "installing Chromium (apt) for the browser tests"
		apt_install chromium
	fi
}

run_tests() {
	need_node
	need_chromium
	log "npm ci --prefix internal/axe (axe-core, pinned, for the accessibility tests)"
	npm ci --prefix internal/axe --no-audit --no-fund --loglevel=error
	log "go vet"
	go vet ./...
	GOOS=js GOARCH=wasm go vet $(wasm_packages) ./wasm/ ./wasm/simd/
	log "native tests (browser tests in headless Chromium included)"
	go test -count=1 ./...
	log "engine tests under GOOS=js GOARCH=wasm (Node $(node --version))"
	GOOS=js GOARCH=wasm go test -count=1 -exec go_js_wasm_exec $(wasm_packages)
	log "SIMD kernels cross-checked against the Go kernels under Node"
	GOOS=js GOARCH=wasm go test -count=1 -exec "$PWD/wasm/simd/node_exec.sh" ./wasm/simd/
	log "fuzz: the GBNF grammar parser, 5 s"
	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 5s ./engine/grammar/
	log "fuzz: chat templates under their limits (parse + render), 5 s"
	go test -run '^$' -fuzz '^FuzzTemplate$' -fuzztime 5s -fuzzminimizetime 2s ./engine/chat/
	log "fuzz: model metadata validation (GGUF writer -> model.Load), 5 s"
	go test -run '^$' -fuzz '^FuzzModelConfig$' -fuzztime 5s -fuzzminimizetime 2s ./engine/model/
}

case "${1:-}" in
serve)
	build
	demo_model
	addr="${HEARTH_ADDR:-127.0.0.1:8080}"
	log "serving static/ on http://$addr"
	exec go run ./server --addr "$addr" --static ./static
	;;
test)
	build
	run_tests
	;;
bench)
	# Browser benchmark (bench/README.md): Hearth vs llama.cpp's wasm build (wllama) in
	# headless Chromium; extra arguments go to the program, e.g. ./build.sh bench -n 1.
	need_node
	need_chromium
	log "npm install --prefix bench (@wllama/wllama, pinned in bench/package.json)"
	npm install --prefix bench --no-audit --no-fund --loglevel=error
	log "go run ./bench ${*:2}"
	go run ./bench "${@:2}"
	;;
clean)
	rm -rf bin static/models static/.hearth-build.json
	# static/embed-example.* are sources (the widget's example page), not build outputs.
	if [ -d static ]; then
		find static -maxdepth 1 -type f \( -name '*.wasm*' -o -name '*.js*' -o -name '*.css*' -o -name '*.html*' \
			-o -name '*.svg*' -o -name '*.webmanifest*' \) ! -name 'embed-example.*' -delete
	fi
	;;
*)
	sed -n '2,10p' "$0"
	exit 2
	;;
esac
