// Package sample turns a row of logits into the next token: a seeded, deterministic
// sampler chain that gives the same tokens natively and under GOOS=js GOARCH=wasm.
//
// The chain follows llama.cpp's default order (common/sampling.cpp at
// 3f545beccee69d9975f466ec7e45fd9aacd8ba90, with DRY, top-n-sigma, typical-p and XTC
// left out):
//
//	penalties → top-k → top-p → min-p → temperature → draw
//
// so top-p and min-p judge the candidates at temperature 1, and the temperature only
// reshapes the distribution of the tokens that survived them. (Applying the temperature
// first, as some engines do, would make top-p and min-p keep more tokens when hot and
// fewer when cold.) Each stage keeps llama.cpp's semantics (src/llama-sampling.cpp):
//
//   - penalties, over the last PenaltyWindow accepted tokens: a seen token's logit is
//     divided by RepeatPenalty when positive and multiplied by it when <= 0, then
//     count*FrequencyPenalty + PresencePenalty is subtracted (count = occurrences in
//     the window). Off when the window is 0 or the penalties are 1, 0, 0.
//   - top-k keeps the K highest logits (K <= 0 or K >= n_vocab: off), found by partial
//     selection, not by sorting the whole vocabulary.
//   - top-p takes the softmax of the candidates left and keeps the shortest prefix, in
//     descending order, whose probabilities sum to at least P (P >= 1: off).
//   - min-p keeps the tokens whose probability is at least MinP times the top token's,
//     i.e. logit >= max + ln(MinP) (MinP <= 0: off).
//   - temperature divides the logits; at Temperature <= 0 the chain is greedy: the
//     argmax of the penalized logits, the lowest id winning ties (top-k, top-p and
//     min-p always keep the argmax, so they need not run).
//   - the draw takes u in [0,1) from the sampler's own xoshiro256** generator and returns
//     the first candidate whose running sum of softmax weights exceeds u*total.
//
// Where this package differs from llama.cpp, on purpose:
//   - Ties are broken by the lowest token id everywhere (llama.cpp's partial sorts leave
//     them in an unspecified order), and the draw walks the candidates in the order the
//     chain leaves them: descending logit (ties by id) once top-k or top-p has run,
//     token id order otherwise. (The order decides which token a given u maps to, never
//     the probabilities.)
//   - The softmax weights, sums and thresholds are computed in float64 with a small
//     exp of this package (exp.go) built from IEEE-exact operations only, so no
//     assembly or fused multiply-add can make amd64, arm64 and wasm disagree. llama.cpp
//     uses float32 expf; results can differ from it only on exact boundary cases.
//   - Every Sample at Temperature > 0 consumes exactly one 64-bit output of the
//     generator, whatever survives the chain; greedy samples consume none. The stream is
//     therefore a function of the seed and the number of sampled (non-greedy) calls.
//   - There is no min_keep: like llama.cpp's default (0), top-p and min-p may leave a
//     single token.
//   - NaN logits are treated as -Inf. If every candidate is -Inf the draw is uniform
//     over them; if some are +Inf, the draw is uniform over those.
//
// Sample never writes to the caller's logits: it copies them into a buffer owned by
// the Sampler and reused across calls, so a warm Sampler allocates nothing per token.
// A Sampler is not safe for concurrent use.
package sample
