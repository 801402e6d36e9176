package main

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// TestRelaxedInChromium cross-checks the relaxed-SIMD module against the simd128 one in
// headless Chromium, the browser that runs it: both modules over one memory, the same
// random Q8_0, Q4_0 and Q5_0 weights and prepared activations (including the -8·Σa corrections),
// at token counts around the group of four and awkward block counts; and the decode
// kernels matvec_q8_0, matvec_q4_0 and matvec_q5_0, whose relaxed variants must give the
// simd128 ones' results bit for bit; and in each module the kernels of the layouts made at
// load (Q5_0x2, Q8_0x2, Q4_0x2) on relaid rows, which must give that module's file-type
// kernels' results bit for bit.
// With unit scales the integer sums make both exact, so they must be equal; with random
// scales they agree within 1e-5 of Σ|w·a| (the lanes are summed in another order). The
// k-quant kernels (matvec_q4_k, matvec_q5_k, matvec_q6_k and their matmul_ forms), whose
// relaxed lanes hold other products than the simd128 ones' (and the relaxed matvec's other
// than the relaxed matmul's), are compared with unit scales and small sub-block scales,
// where all are exact and must be equal, and with random scales within 1e-5 of Σ|w·a|
// (computed from the dequantized values). Attention (attn_heads_f16, whose relaxed
// products are fused multiply-adds) must give the same bits for all pairs at once, one
// pair a call, and from the second pair on, in each module, and the relaxed module's
// outputs must be within 2e-5 of simd128's; so must a prompt's attention in tiles
// (attn_widen_f16, attn_tile_f32) over the tiles. The simd128 module is
// itself cross-checked against the Go kernels under Node (wasm/simd). Node 20's V8
// (11.3, relaxed SIMD behind a flag) miscompiles relaxed_dot_i8x16_i7x16_add_s (results
// doubled or an operand dropped), so this check runs in Chromium.
func TestRelaxedInChromium(t *testing.T) {
	webtest.NeedChromium(t)
	plain, err := Build(false, false)
	if err != nil {
		t.Fatal(err)
	}
	relaxed, err := Build(false, true)
	if err != nil {
		t.Fatal(err)
	}
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open a blank page", chromedp.Navigate("about:blank"))
	var res struct {
		Validates bool     `json:"validates"`
		Cases     int      `json:"cases"`
		Failures  []string `json:"failures"`
		SameBits  int      `json:"sameBits"`
		// attention outputs compared, and how many of them the relaxed module's fused
		// multiply-adds changed (none on a CPU without FMA)
		AttnOutputs int `json:"attnOutputs"`
		AttnFused   int `json:"attnFused"`
	}
	b.Eval(fmt.Sprintf(relaxedCheckJS, base64.StdEncoding.EncodeToString(plain), base64.StdEncoding.EncodeToString(relaxed)), &res)
	if !res.Validates {
		t.Fatal("Chromium does not validate the relaxed-SIMD module")
	}
	if res.Cases < 100 {
		t.Fatalf("only %d cases ran", res.Cases)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	if res.AttnOutputs == 0 {
		t.Fatal("no attention outputs compared")
	}
	t.Logf("%d cases, %d failures; with random scales, %d k-quant outputs of the relaxed matvec kernels equal simd128's bit for bit; %d of %d attention outputs differ in their last bits (fused multiply-adds)", res.Cases, len(res.Failures), res.SameBits, res.AttnFused, res.AttnOutputs)
}

// relaxedCheckJS runs in the page: %s are the two modules, base64.
const relaxedCheckJS = `(() => {
  const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
  const plainBytes = bytes("%s"), relaxedBytes = bytes("%s");
  if (!WebAssembly.validate(relaxedBytes)) return { validates: false, cases: 0, failures: [] };
  const mem = new WebAssembly.Memory({ initial: 64 });
  const mods = [plainBytes, relaxedBytes].map((b) => new WebAssembly.Instance(new WebAssembly.Module(b), { env: { memory: mem } }).exports);
  const dv = new DataView(mem.buffer);
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  const f16 = (x) => { // normal values only
    const f = new Float32Array([x]), u = new Uint32Array(f.buffer)[0];
    return ((u >> 16) & 0x8000) | ((((u >> 23) & 0xff) - 112) << 10) | ((u >> 13) & 0x3ff);
  };
  const failures = [];
  let cases = 0, sameBits = 0;
  // prepared activations (PrepQ8_0's layout) of ntok tokens of nb blocks at A, rows arb
  // bytes apart: f32 scales (1 when exact), random quants in [-127, 127] (with edges, the
  // first block's first two are 127 and -127), the -8·Σa corrections
  const prepActs = (A, arb, ntok, nb, exact, edges) => {
    for (let t = 0; t < ntok; t++) for (let b = 0; b < nb; b++) {
      dv.setFloat32(A + t * arb + 4 * b, exact ? 1 : (1 + (rnd() %% 1000) / 1000) / 64, true);
      let s = 0;
      for (let i = 0; i < 32; i++) {
        const v = edges && t === 0 && b === 0 && i < 2 ? [127, -127][i] : (rnd() %% 255) - 127;
        dv.setInt8(A + t * arb + 8 * nb + 32 * b + i, v);
        s += v;
      }
      dv.setInt32(A + t * arb + 4 * nb + 4 * b, -8 * s, true);
    }
  };
  const f32h = (h) => { // fp16 bits to a number (normal values)
    const e = (h >> 10) & 31, m = h & 1023, v = (1 + m / 1024) * Math.pow(2, e - 15);
    return h & 0x8000 ? -v : v;
  };
  for (const [q, wBlock] of [["q8_0", 34], ["q4_0", 18], ["q5_0", 22]]) {
    for (const nb of [1, 2, 3, 18, 37]) {
      for (const rows of [1, 7, 33]) {
        for (const ntok of [1, 3, 4, 6, 9]) {
          for (const exact of [true, false]) {
            cases++;
            const W = 0, rb = wBlock * nb, A = W + rows * rb + 64, arb = 40 * nb, Y = A + ntok * arb + 64;
            const wq = [], aq = [], ws = [], as = [];
            for (let r = 0; r < rows; r++) for (let b = 0; b < nb; b++) {
              const d = exact ? 1 : (1 + (rnd() %% 1000) / 1000) / 256 * (rnd() %% 2 ? 1 : -1);
              ws.push(d);
              dv.setUint16(W + r * rb + b * wBlock, f16(d), true);
              for (let i = 0; i < wBlock - 2; i++) {
                const v = q === "q8_0" ? (rnd() %% 255) - 127 : rnd() & 255;
                dv.setUint8(W + r * rb + b * wBlock + 2 + i, v & 255);
              }
            }
            prepActs(A, arb, ntok, nb, exact, false);
            const out = mods.map((k) => {
              for (let i = 0; i < ntok * rows; i++) dv.setFloat32(Y + 4 * i, NaN, true);
              k["matmul_" + q](W, rb, A, arb, ntok, 32 * nb, Y, rows, 0, rows);
              return Array.from({ length: ntok * rows }, (_, i) => dv.getFloat32(Y + 4 * i, true));
            });
            // Σ|w·a| for the tolerance
            const wv = (r, b, i) => {
              const p = W + r * rb + b * wBlock + 2;
              if (q === "q8_0") return dv.getInt8(p + i);
              if (q === "q5_0") {
                const byte = dv.getUint8(p + 4 + (i %% 16)), hbit = (dv.getUint32(p, true) >>> i) & 1;
                return ((i < 16 ? byte & 15 : byte >> 4) | (hbit << 4)) - 16;
              }
              const byte = dv.getUint8(p + (i %% 16));
              return (i < 16 ? byte & 15 : byte >> 4) - 8;
            };
            for (let t = 0; t < ntok; t++) for (let r = 0; r < rows; r++) {
              const a = out[0][t * rows + r], c = out[1][t * rows + r];
              let abs = 0;
              for (let b = 0; b < nb; b++) {
                const dw = Math.abs(ws[r * nb + b]), da = dv.getFloat32(A + t * arb + 4 * b, true);
                let s = 0;
                for (let i = 0; i < 32; i++) s += Math.abs(wv(r, b, i) * dv.getInt8(A + t * arb + 8 * nb + 32 * b + i));
                abs += dw * da * s;
              }
              const bad = exact ? a !== c : !(Math.abs(a - c) <= 1e-5 * abs + 1e-30);
              if (bad && failures.length < 20) failures.push(q + " nb=" + nb + " rows=" + rows + " ntok=" + ntok + " exact=" + exact + " token " + t + " row " + r + ": simd128 " + a + ", relaxed " + c);
            }
          }
        }
      }
    }
  }
  // matvec_q8_0 and matvec_q5_0 (decode): prepared activations (f32 scales, i32
  // corrections, int8 quants); the relaxed kernels' integer block sums are the simd128
  // ones', so the results must be equal bit for bit
  for (const [q, wBlock] of [["q8_0", 34], ["q4_0", 18], ["q5_0", 22]]) {
    for (const nb of [1, 2, 3, 5, 6, 18, 37]) {
      for (const rows of [1, 2, 3, 7, 33]) {
        cases++;
        const W = 0, rb = wBlock * nb, A = W + rows * rb + 64, Y = A + 40 * nb + 64;
        for (let r = 0; r < rows; r++) for (let b = 0; b < nb; b++) {
          dv.setUint16(W + r * rb + b * wBlock, f16((1 + (rnd() %% 1000) / 1000) / 256 * (rnd() %% 2 ? 1 : -1)), true);
          for (let i = 0; i < wBlock - 2; i++) dv.setUint8(W + r * rb + b * wBlock + 2 + i, q === "q8_0" ? ((rnd() %% 255) - 127) & 255 : rnd() & 255);
        }
        prepActs(A, 40 * nb, 1, nb, false, true);
        const out = mods.map((k) => {
          for (let i = 0; i < rows; i++) dv.setFloat32(Y + 4 * i, NaN, true);
          k["matvec_" + q](W, rb, A, 32 * nb, Y, 0, rows);
          return Array.from({ length: rows }, (_, i) => dv.getFloat32(Y + 4 * i, true));
        });
        for (let r = 0; r < rows; r++) {
          if (!(out[0][r] === out[1][r]) && failures.length < 20) failures.push("matvec_" + q + " nb=" + nb + " rows=" + rows + " row " + r + ": simd128 " + out[0][r] + ", relaxed " + out[1][r]);
        }
      }
    }
  }
  // the unit layouts' kernels (matvec_ and matmul_ q5_0x2, q8_0x2, q4_0x2) in each module:
  // random rows and the same rows relaid as engine/quant does (a unit: both fp16 scales,
  // then block 0's bytes after its scale, then block 1's; for Q5_0x2 the fifth bits
  // interleaved: byte 4 + L/2 holds, at bit 4·(L&1) + 2k + h, the fifth bit of element
  // 16h + L of block k, then the nibbles) must give the module's file-type kernels'
  // results bit for bit
  for (const [q, wBlock] of [["q5_0", 22], ["q8_0", 34], ["q4_0", 18]]) {
    for (const nb of [2, 4, 6, 18, 36, 48]) {
      for (const rows of [1, 2, 3, 7, 33]) {
        for (const ntok of [1, 3, 4, 6, 9]) {
          cases++;
          const rb = wBlock * nb, W = 0, W2 = W + rows * rb + 64, A = W2 + rows * rb + 64, arb = 40 * nb, Y = A + ntok * arb + 64;
          for (let r = 0; r < rows; r++) for (let b = 0; b < nb; b++) {
            dv.setUint16(W + r * rb + wBlock * b, f16((1 + (rnd() %% 1000) / 1000) / 256 * (rnd() %% 2 ? 1 : -1)), true);
            for (let i = 2; i < wBlock; i++) dv.setUint8(W + r * rb + wBlock * b + i, q === "q8_0" ? ((rnd() %% 255) - 127) & 255 : rnd() & 255);
          }
          for (let u = 0; u < rows * nb / 2; u++) {
            const src = W + 2 * wBlock * u, dst = W2 + 2 * wBlock * u;
            for (let k = 0; k < 2; k++) dv.setUint16(dst + 2 * k, dv.getUint16(src + wBlock * k, true), true);
            if (q !== "q5_0") {
              for (let k = 0; k < 2; k++) for (let i = 2; i < wBlock; i++) dv.setUint8(dst + 2 + k * (wBlock - 2) + i, dv.getUint8(src + wBlock * k + i));
              continue;
            }
            const hb = new Uint8Array(8);
            for (let k = 0; k < 2; k++) {
              const qh = dv.getUint32(src + 22 * k + 2, true);
              for (let e = 0; e < 32; e++) {
                const h = e >> 4, L = e & 15;
                hb[L >> 1] |= ((qh >>> e) & 1) << (4 * (L & 1) + 2 * k + h);
              }
              for (let i = 0; i < 16; i++) dv.setUint8(dst + 12 + 16 * k + i, dv.getUint8(src + 22 * k + 6 + i));
            }
            for (let i = 0; i < 8; i++) dv.setUint8(dst + 4 + i, hb[i]);
          }
          prepActs(A, arb, ntok, nb, false, false);
          mods.forEach((k, mi) => {
            for (const kind of ["matvec", "matmul"]) {
              const out = [W, W2].map((w, wi) => {
                for (let i = 0; i < ntok * rows; i++) dv.setFloat32(Y + 4 * i, NaN, true);
                if (kind === "matvec") k["matvec_" + q + (wi ? "x2" : "")](w, rb, A, 32 * nb, Y, 0, rows);
                else k["matmul_" + q + (wi ? "x2" : "")](w, rb, A, arb, ntok, 32 * nb, Y, rows, 0, rows);
                const m = kind === "matvec" ? rows : ntok * rows;
                return Array.from({ length: m }, (_, i) => dv.getFloat32(Y + 4 * i, true));
              });
              for (let i = 0; i < out[0].length; i++) {
                if (!(out[0][i] === out[1][i]) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + kind + "_" + q + "x2 nb=" + nb + " rows=" + rows + " ntok=" + ntok + " output " + i + ": " + q + " " + out[0][i] + ", " + q + "x2 " + out[1][i]);
              }
            }
          });
        }
      }
    }
  }
  // the k-quant kernels, whose relaxed forms' lanes hold other products: with unit scales
  // (d, dmin and the activations' d 1, sub-block scales and mins 0..3 for Q4_K/Q5_K, -4..4
  // for Q6_K) every partial sum is an integer below 2^24, so both modules are exact and
  // must be equal; with random scales, within each module the several-token kernel must
  // give each token the one-token kernel's result bit for bit
  for (const [q, wBlock] of [["q4_k", 144], ["q5_k", 176], ["q6_k", 210]]) {
    for (const nb of [1, 2, 3, 8]) {
      for (const rows of [1, 2, 3, 7]) {
        for (const exact of [true, false]) {
          cases++;
          const ntok = 6, W = 0, rb = wBlock * nb, arb = 292 * nb, A = W + rows * rb + 64, Y = A + ntok * arb + 64, Y1 = Y + 4 * ntok * rows + 64;
          const scale = () => exact ? 1 : (1 + (rnd() %% 1000) / 1000) / 256 * (rnd() %% 2 ? 1 : -1);
          for (let r = 0; r < rows; r++) for (let b = 0; b < nb; b++) {
            const p = W + r * rb + b * wBlock;
            for (let i = 0; i < wBlock; i++) dv.setUint8(p + i, rnd() & 255);
            if (q === "q6_k") {
              if (exact) for (let i = 0; i < 16; i++) dv.setInt8(p + 192 + i, (rnd() %% 9) - 4);
              dv.setUint16(p + 208, f16(scale()), true);
            } else {
              dv.setUint16(p, f16(scale()), true);
              dv.setUint16(p + 2, f16(Math.abs(scale())), true);
              if (exact) for (let i = 4; i < 16; i++) dv.setUint8(p + i, rnd() & 3);
            }
          }
          for (let t = 0; t < ntok; t++) for (let b = 0; b < nb; b++) {
            const p = A + t * arb + 292 * b;
            dv.setFloat32(p, exact ? 1 : (1 + (rnd() %% 1000) / 1000) / 64, true);
            for (let g = 0; g < 16; g++) {
              let s = 0;
              for (let i = 0; i < 16; i++) {
                const v = (rnd() %% 255) - 127;
                dv.setInt8(p + 4 + 16 * g + i, v);
                s += v;
              }
              dv.setInt16(p + 260 + 2 * g, s, true);
            }
          }
          const outs = mods.map((k) => {
            for (let i = 0; i < ntok * rows; i++) dv.setFloat32(Y + 4 * i, NaN, true);
            k["matmul_" + q](W, rb, A, arb, ntok, 256 * nb, Y, rows, 0, rows);
            const many = Array.from({ length: ntok * rows }, (_, i) => dv.getFloat32(Y + 4 * i, true));
            const one = [];
            for (let t = 0; t < ntok; t++) {
              for (let i = 0; i < rows; i++) dv.setFloat32(Y1 + 4 * i, NaN, true);
              k["matvec_" + q](W, rb, A + t * arb, 256 * nb, Y1, 0, rows);
              for (let i = 0; i < rows; i++) one.push(dv.getFloat32(Y1 + 4 * i, true));
            }
            return { many, one };
          });
          // bound[t·rows + r]: Σ over the row's values |w|·|a| (|w| ≤ |d|·sc·q + |dmin|·m),
          // the scale of the rounding error
          const bound = [];
          for (let t = 0; t < ntok; t++) for (let r = 0; r < rows; r++) {
            let sum = 0;
            for (let b = 0; b < nb; b++) {
              const p = W + r * rb + b * wBlock, ab = A + t * arb + 292 * b, dy = Math.abs(dv.getFloat32(ab, true));
              for (let e = 0; e < 256; e++) {
                let w;
                if (q === "q6_k") {
                  const k = e >> 7, v = e & 127, tq = v >> 5, l = v & 31;
                  const lo = dv.getUint8(p + 64 * k + 32 * (tq %% 2) + l), hb = (dv.getUint8(p + 128 + 32 * k + l) >> (2 * tq)) & 3;
                  const qv = ((tq < 2 ? lo & 15 : lo >> 4) | (hb << 4)) - 32;
                  w = Math.abs(f32h(dv.getUint16(p + 208, true)) * dv.getInt8(p + 192 + 8 * k + 2 * tq + (l >> 4)) * qv);
                } else {
                  const span = e >> 6, half = (e >> 5) & 1, l = e & 31, j = 2 * span + half;
                  const byte = dv.getUint8(p + (q === "q5_k" ? 48 : 16) + 32 * span + l);
                  let qv = half ? byte >> 4 : byte & 15;
                  if (q === "q5_k") qv |= ((dv.getUint8(p + 16 + l) >> j) & 1) << 4;
                  const sb = (i) => dv.getUint8(p + 4 + i);
                  const sc = j < 4 ? sb(j) & 63 : (sb(j + 4) & 15) | ((sb(j - 4) >> 6) << 4);
                  const mn = j < 4 ? sb(j + 4) & 63 : (sb(j + 4) >> 4) | ((sb(j) >> 6) << 4);
                  w = Math.abs(f32h(dv.getUint16(p, true))) * sc * qv + Math.abs(f32h(dv.getUint16(p + 2, true))) * mn;
                }
                sum += w * Math.abs(dv.getInt8(ab + 4 + e)) * dy;
              }
            }
            bound.push(sum);
          }
          const tag = q + " nb=" + nb + " rows=" + rows + " exact=" + exact;
          const near = (x, y, i) => exact ? x === y : Math.abs(x - y) <= 1e-5 * bound[i];
          for (let i = 0; i < ntok * rows; i++) {
            for (const [mi, o] of outs.entries()) {
              if (!near(o.many[i], o.one[i], i) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + tag + " output " + i + ": matmul " + o.many[i] + ", matvec " + o.one[i] + " (bound " + bound[i] + ")");
            }
            for (const kind of ["one", "many"]) {
              if (!near(outs[0][kind][i], outs[1][kind][i], i) && failures.length < 20) failures.push(kind + " " + tag + " output " + i + ": simd128 " + outs[0][kind][i] + ", relaxed " + outs[1][kind][i] + " (bound " + bound[i] + ")");
            }
            if (outs[0].one[i] === outs[1].one[i] && !exact) sameBits++;
          }
        }
      }
    }
  }
  // attention (attn_heads_f16 over an F16 cache): every (token, head) pair at once, one
  // pair per call, and from the second pair on must give the same bits in each module (a
  // head's arithmetic does not depend on the heads it is grouped with, so neither does it
  // on the threads' split); relaxed (multiply-adds fused) within 2e-5 of simd128 (the
  // outputs are averages of values in [-1, 1])
  let attnOutputs = 0, attnFused = 0;
  const f32bits = (x) => new Uint32Array(new Float32Array([x]).buffer)[0];
  const half = () => f16((rnd() %% 2 ? -1 : 1) * (10 + (rnd() %% 991)) / 1000);
  for (const [hd, nh, nkv, B, pos0, win] of [[64, 6, 2, 5, 3, 0], [40, 9, 3, 3, 30, 0], [6, 4, 4, 2, 0, 0], [64, 6, 2, 4, 10, 6], [20, 3, 1, 1, 17, 0]]) {
    const X = 3 << 20, P = X, Q = X + 1024, K = X + 16384, V = X + 32768, O = X + 49152, F = X + 59904, S = X + 65536;
    const qDim = nh * hd, kvDim = nkv * hd, nCtx = pos0 + B, row = (nCtx + 8) & ~3, pairs = B * nh;
    for (let i = 0; i < B * qDim; i++) dv.setFloat32(Q + 4 * i, (rnd() %% 2 ? -1 : 1) * ((rnd() %% 1001) / 1000) * 2 ** 64, true);
    for (let i = 0; i < nCtx * kvDim; i++) { dv.setUint16(K + 2 * i, half(), true); dv.setUint16(V + 2 * i, half(), true); }
    [0, Q, qDim * 4, K, V, kvDim * 2, hd, nh, nh / nkv, pos0, win, f32bits(1 / Math.sqrt(hd)), O, qDim * 4, F, row * 4].forEach((v, i) => dv.setInt32(P + 4 * i, v, true));
    const run = (k, spans) => {
      for (let i = 0; i < pairs * hd; i++) dv.setFloat32(O + 4 * i, NaN, true);
      for (let i = 0; i < pairs; i++) dv.setInt32(F + 4 * i, -1, true);
      for (const [lo, hi] of spans) k.attn_heads_f16(P, S, 3 * row * 4, lo, hi);
      return { out: Array.from({ length: pairs * hd }, (_, i) => dv.getFloat32(O + 4 * i, true)), flags: Array.from({ length: pairs }, (_, i) => dv.getInt32(F + 4 * i, true)) };
    };
    const tag = "attention hd=" + hd + " heads=" + nh + "/" + nkv + " B=" + B + " pos0=" + pos0 + " window=" + win;
    const all = mods.map((k, mi) => {
      const whole = run(k, [[0, pairs]]);
      const one = run(k, Array.from({ length: pairs }, (_, i) => [i, i + 1]));
      const late = run(k, [[0, 1], [1, pairs]]);
      for (let i = 0; i < pairs * hd; i++) {
        for (const [name, o] of [["one pair a call", one], ["from the second pair", late]]) {
          if (!Object.is(whole.out[i], o.out[i]) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + tag + " output " + i + ": all pairs " + whole.out[i] + ", " + name + " " + o.out[i]);
        }
      }
      if (whole.flags.some((f) => f !== 0) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + tag + ": flags " + whole.flags);
      return whole.out;
    });
    for (let i = 0; i < pairs * hd; i++) {
      attnOutputs++;
      if (all[0][i] !== all[1][i]) attnFused++;
      if (!(Math.abs(all[0][i] - all[1][i]) <= 2e-5) && failures.length < 20) failures.push(tag + " output " + i + ": simd128 " + all[0][i] + ", relaxed " + all[1][i]);
    }
    cases++;
  }
  // a prompt's attention in tiles (attn_widen_f16, then attn_tile_f32): the same checks,
  // over the tiles (whole, one a call, from the second on)
  for (const [hd, nh, nkv, B, pos0, win] of [[64, 9, 3, 8, 20, 0], [128, 4, 2, 9, 5, 0], [64, 4, 1, 20, 3, 8], [64, 14, 2, 3, 0, 0]]) {
    const T = (3 << 20) + (128 << 10), PW = T, PT = T + 64, FW = T + 128, Q = T + 1024, K = T + 32768, V = T + 49152, KW = T + 65536, VW = T + 98304, O = T + 131072, S = T + 163840;
    const qDim = nh * hd, kvDim = nkv * hd, nCtx = pos0 + B, group = nh / nkv;
    const r0 = win > 0 && pos0 + 1 > win ? pos0 + 1 - win : 0, rows = nCtx - r0, items = nkv * Math.ceil(B * group / 4);
    for (let i = 0; i < B * qDim; i++) dv.setFloat32(Q + 4 * i, (rnd() %% 2 ? -1 : 1) * ((rnd() %% 1001) / 1000), true);
    for (let i = 0; i < nCtx * kvDim; i++) { dv.setUint16(K + 2 * i, half(), true); dv.setUint16(V + 2 * i, half(), true); }
    for (let i = 0; i < 16; i++) dv.setInt32(PW + 4 * i, 0, true);
    [0, K + 2 * r0 * kvDim, V + 2 * r0 * kvDim, kvDim, KW, VW, hd, rows].forEach((v, i) => dv.setInt32(PW + 4 * i, v, true));
    dv.setInt32(PW + 56, FW, true);
    [0, Q, qDim * 4, KW, VW, rows, hd, nh, group, pos0, win, f32bits(1 / Math.sqrt(hd)), O, B, 0, r0].forEach((v, i) => dv.setInt32(PT + 4 * i, v, true));
    const run = (k, spans) => {
      for (let i = 0; i < B * qDim; i++) dv.setFloat32(O + 4 * i, NaN, true);
      for (let i = 0; i < rows; i++) dv.setInt32(FW + 4 * i, -1, true);
      k.attn_widen_f16(PW, S, 0, 0, rows);
      for (const [lo, hi] of spans) k.attn_tile_f32(PT, S, 0, lo, hi);
      return { out: Array.from({ length: B * qDim }, (_, i) => dv.getFloat32(O + 4 * i, true)), flags: Array.from({ length: rows }, (_, i) => dv.getInt32(FW + 4 * i, true)) };
    };
    const tag = "tiled attention hd=" + hd + " heads=" + nh + "/" + nkv + " B=" + B + " pos0=" + pos0 + " window=" + win;
    const all = mods.map((k, mi) => {
      const whole = run(k, [[0, items]]);
      const one = run(k, Array.from({ length: items }, (_, i) => [i, i + 1]));
      const late = run(k, [[0, 1], [1, items]]);
      for (let i = 0; i < B * qDim; i++) {
        for (const [name, o] of [["one tile a call", one], ["from the second tile", late]]) {
          if (!Object.is(whole.out[i], o.out[i]) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + tag + " output " + i + ": all tiles " + whole.out[i] + ", " + name + " " + o.out[i]);
        }
      }
      if (whole.flags.some((f) => f !== 0) && failures.length < 20) failures.push((mi ? "relaxed " : "simd128 ") + tag + ": widening flags " + whole.flags);
      return whole.out;
    });
    for (let i = 0; i < B * qDim; i++) {
      attnOutputs++;
      if (all[0][i] !== all[1][i]) attnFused++;
      if (!(Math.abs(all[0][i] - all[1][i]) <= 2e-5) && failures.length < 20) failures.push(tag + " output " + i + ": simd128 " + all[0][i] + ", relaxed " + all[1][i]);
    }
    cases++;
  }
  return { validates: true, cases, failures, sameBits, attnOutputs, attnFused };
})()`
