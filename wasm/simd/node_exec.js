// node_exec.js runs a js/wasm Go binary (a test binary, typically) under Node with the
// hearth_simd imports wired to hearth-kernels.wasm: Go's go_js_wasm_exec / wasm_exec_node.js
// plus the kernel module.
//
//   node node_exec.js KERNELS.wasm BINARY.wasm [args...]
//
// The kernel module imports Go's memory, which only exists once the Go module is
// instantiated, while the Go module needs the kernels as imports: so the Go module gets
// JS trampolines that call into the kernel instance, created right after the Go instance
// (env.memory = go instance's exports.mem) and before go.run starts any Go code.
"use strict";

const fs = require("fs");
const path = require("path");

if (process.argv.length < 4) {
	console.error("usage: node node_exec.js KERNELS.wasm BINARY.wasm [args...]");
	process.exit(1);
}

globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto");

const goroot = process.env.GOROOT_WASM_EXEC ||
	path.join(require("child_process").execFileSync("go", ["env", "GOROOT"], { encoding: "utf8", env: Object.assign({}, process.env, { GOOS: "", GOARCH: "" }) }).trim(), "lib", "wasm");
require(path.join(goroot, "wasm_exec.js"));

async function main() {
	const kernelModule = await WebAssembly.compile(fs.readFileSync(process.argv[2]));
	const goModule = await WebAssembly.compile(fs.readFileSync(process.argv[3]));

	const go = new Go();
	go.argv = process.argv.slice(3);
	go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
	go.exit = process.exit;

	// Trampolines for every hearth_simd import the Go binary declares.
	let kernels = null;
	const simd = {};
	for (const imp of WebAssembly.Module.imports(goModule)) {
		if (imp.module !== "hearth_simd") continue;
		const name = imp.name;
		if (name === "batch_begin" || name === "batch_end") { // the host's: one thread here
			simd[name] = () => {};
			continue;
		}
		simd[name] = (...args) => kernels[name](...args);
	}
	const importObject = Object.assign({}, go.importObject, { hearth_simd: simd });

	const goInstance = await WebAssembly.instantiate(goModule, importObject);
	const kernelInstance = await WebAssembly.instantiate(kernelModule, { env: { memory: goInstance.exports.mem } });
	kernels = kernelInstance.exports;
	for (const name of Object.keys(simd)) {
		if (typeof kernels[name] !== "function" && !name.startsWith("batch_")) {
			throw new Error(`hearth_simd.${name}: not exported by ${process.argv[2]}`);
		}
	}

	process.on("exit", (code) => { // Node.js exits if no event handler is pending
		if (code === 0 && !go.exited) {
			// deadlock, make Go print error and stack traces
			go._pendingEvent = { id: 0 };
			go._resume();
		}
	});
	// The relaxed-SIMD variant needs the prepared corrections (simd.Relaxed).
	globalThis.hearthRelaxed = /relaxed/.test(path.basename(process.argv[2]));
	await go.run(goInstance);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
