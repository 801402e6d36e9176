// Sha256: SHA-256 fed a piece at a time (WebCrypto's digest takes one whole buffer, and
// copies it, so checking a 64 MiB shard with it means holding the shard twice). The shard
// downloader hashes each chunk as it arrives and hands the chunk on at once. About 200 MB/s
// in V8.
//
//   const h = new Sha256();
//   h.update(bytes); h.update(more);
//   h.hex();   // lower-case hex digest (the hash cannot be updated after)

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// STEP is how many bytes one call of blocks takes at most: V8 optimizes a function at a
// call, not inside a long-running loop, so a big chunk goes through in several calls.
const STEP = 64 * 1024;

// blocks runs the compression function over b[p, end) (a multiple of 64 bytes).
function blocks(H, W, b, p, end) {
  let h0 = H[0], h1 = H[1], h2 = H[2], h3 = H[3], h4 = H[4], h5 = H[5], h6 = H[6], h7 = H[7];
  for (; p < end; p += 64) {
    for (let i = 0; i < 16; i++) {
      const j = p + 4 * i;
      W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15], y = W[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4; H[5] = h5; H[6] = h6; H[7] = h7;
}

export class Sha256 {
  #h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  #w = new Int32Array(64);
  #tail = new Uint8Array(64); // bytes of an incomplete block
  #tailLen = 0;
  #length = 0; // bytes hashed

  // update hashes more bytes (a Uint8Array).
  update(bytes) {
    let p = 0;
    const n = bytes.length;
    this.#length += n;
    if (this.#tailLen > 0) {
      const take = Math.min(64 - this.#tailLen, n);
      this.#tail.set(bytes.subarray(0, take), this.#tailLen);
      this.#tailLen += take;
      p = take;
      if (this.#tailLen < 64) return this;
      blocks(this.#h, this.#w, this.#tail, 0, 64);
      this.#tailLen = 0;
    }
    const whole = p + Math.floor((n - p) / 64) * 64;
    while (p < whole) {
      const end = Math.min(whole, p + STEP);
      blocks(this.#h, this.#w, bytes, p, end);
      p = end;
    }
    if (p < n) {
      this.#tail.set(bytes.subarray(p), 0);
      this.#tailLen = n - p;
    }
    return this;
  }

  // clone returns an independent copy of the hash so far (a download keeps one at each
  // piece's start, to hash a piece again from there if its bytes come again).
  clone() {
    const c = new Sha256();
    c.#h.set(this.#h);
    c.#tail.set(this.#tail);
    c.#tailLen = this.#tailLen;
    c.#length = this.#length;
    return c;
  }

  // bytes is how many bytes were hashed.
  get bytes() {
    return this.#length;
  }

  // hex finishes the hash and returns it as lower-case hex.
  hex() {
    const bits = this.#length * 8;
    const pad = new Uint8Array(this.#tailLen < 56 ? 64 : 128);
    pad.set(this.#tail.subarray(0, this.#tailLen));
    pad[this.#tailLen] = 0x80;
    const dv = new DataView(pad.buffer);
    dv.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
    dv.setUint32(pad.length - 4, bits >>> 0);
    blocks(this.#h, this.#w, pad, 0, pad.length);
    return Array.from(this.#h, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
  }
}
