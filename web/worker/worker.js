// The engine's Web Worker: loads Go's wasm_exec.js and the engine (engine.wasm), wires the
// SIMD kernel module (hearth-kernels.wasm) in when the browser has WebAssembly SIMD, and
// relays messages between the page and the engine (protocol: wasm/README.md).
//
// The build defines HEARTH_ENGINE_URL, HEARTH_WASM_EXEC_URL and HEARTH_ENGINE_FILES (base
// name -> content-hashed name, relative to this script).
/* global HEARTH_ENGINE_URL, HEARTH_WASM_EXEC_URL, HEARTH_ENGINE_FILES, Go */

const here = (name) => new URL(name, self.location.href).href;
const files = typeof HEARTH_ENGINE_FILES === "string" ? JSON.parse(HEARTH_ENGINE_FILES) : {};
const engineURL = here(typeof HEARTH_ENGINE_URL === "string" && HEARTH_ENGINE_URL ? HEARTH_ENGINE_URL : "engine.wasm");
const wasmExecURL = here(typeof HEARTH_WASM_EXEC_URL === "string" && HEARTH_WASM_EXEC_URL ? HEARTH_WASM_EXEC_URL : "wasm_exec.js");
const kernelsURL = here(files["hearth-kernels.wasm"] || "hearth-kernels.wasm");

const pending = [];
let ready = false;
self.onmessage = (e) => {
  if (ready) self.hearthHandle(e.data);
  else pending.push(e.data);
};

// A tiny module using one simd128 instruction: validates only where SIMD is supported.
const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

async function start() {
  importScripts(wasmExecURL);
  const go = new Go();
  const goModule = await WebAssembly.compileStreaming(fetch(engineURL));
  // Trampolines for the kernel imports: the kernel module needs the Go instance's memory,
  // which exists only after the Go module is instantiated.
  let kernels = null;
  const simd = {};
  for (const imp of WebAssembly.Module.imports(goModule)) {
    if (imp.module === "hearth_simd") {
      simd[imp.name] = (...args) => kernels[imp.name](...args);
    }
  }
  const goInstance = await WebAssembly.instantiate(goModule, Object.assign({}, go.importObject, { hearth_simd: simd }));
  let useSimd = false;
  if (WebAssembly.validate(simdProbe) && Object.keys(simd).length > 0) {
    try {
      const km = await WebAssembly.compileStreaming(fetch(kernelsURL));
      const ki = await WebAssembly.instantiate(km, { env: { memory: goInstance.exports.mem } });
      kernels = ki.exports;
      useSimd = true;
    } catch (err) {
      console.warn("hearth: SIMD kernels unavailable, using the Go kernels:", err);
    }
  }
  self.hearthKernels = useSimd;
  go.run(goInstance);
  // main() has set hearthHandle synchronously before blocking.
  ready = true;
  for (const m of pending.splice(0)) self.hearthHandle(m);
}

start().catch((err) => {
  self.postMessage({ type: "error", id: 0, message: `the engine failed to start: ${err && err.message ? err.message : err}` });
});
