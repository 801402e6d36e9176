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
	// The worker's deferred queue (ops.QueueBegin), on one thread: calls between
	// queue_begin and queue_end are recorded and run only at queue_end, in order, with the
	// checks the worker makes (scale_f32's result, attn_heads_f16's flags), so whatever Go
	// reads or writes too early shows as different results. Tests install it themselves
	// (globalThis.hearthQueue stays unset: simd.Install leaves it out).
	let queue = null;
	const runQueued = () => {
		let ok = 1;
		for (const [name, args] of queue) {
			const r = kernels[name](...args);
			if (name === "scale_f32" && r !== 0) ok = 0;
			if (name.startsWith("attn_")) {
				const [params, , , lo, hi] = args;
				const flagsAt = new Int32Array(goInstance.exports.mem.buffer, params, 16)[14]; // 0: none (attn_tile_f32)
				const flags = flagsAt === 0 ? [] : new Int32Array(goInstance.exports.mem.buffer, flagsAt, hi);
				for (let i = lo; i < flags.length; i++) if (flags[i] !== 0) ok = 0;
			}
		}
		queue = null;
		return ok;
	};
	for (const imp of WebAssembly.Module.imports(goModule)) {
		if (imp.module !== "hearth_simd") continue;
		const name = imp.name;
		if (name === "batch_begin" || name === "batch_end") { // the host's: one thread here
			simd[name] = () => {};
			continue;
		}
		if (name === "queue_begin") {
			simd[name] = () => { if (queue) throw new Error("queue_begin: a queue is open"); queue = []; };
			continue;
		}
		if (name === "queue_end") {
			simd[name] = () => { if (!queue) throw new Error("queue_end: no queue is open"); return runQueued(); };
			continue;
		}
		simd[name] = (...args) => {
			if (queue) { queue.push([name, args]); return 0; }
			return kernels[name](...args);
		};
	}
	const importObject = Object.assign({}, go.importObject, { hearth_simd: simd });

	const goInstance = await WebAssembly.instantiate(goModule, importObject);
	const kernelInstance = await WebAssembly.instantiate(kernelModule, { env: { memory: goInstance.exports.mem } });
	kernels = kernelInstance.exports;
	for (const name of Object.keys(simd)) {
		if (typeof kernels[name] !== "function" && !name.startsWith("batch_") && !name.startsWith("queue_")) {
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
