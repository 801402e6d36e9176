// Package chat turns a conversation into the prompt text a model was trained on, by rendering
// the GGUF's `tokenizer.chat_template` (a Hugging Face Jinja template), and splits a model's
// streamed answer into `<think>` reasoning and visible content.
//
// # Jinja engine
//
// Templates are rendered with github.com/ardanlabs/jinja v1.8.0 (the newest release that builds
// with Go 1.26), a pure-Go engine written for LLM chat templates, forked into ./jinja so that
// a template runs under limits checked where it is evaluated (see "Limits" below). It was measured against
// github.com/nikolalohinski/gonja/v2 v2.9.1 on the 43 llama.cpp golden renders of the 13
// templates in shared/templates (both untouched, HF settings):
//
//   - ardanlabs/jinja: 42 of 43. HF's trim_blocks/lstrip_blocks are built in, tojson already uses
//     Python's ", " / ": " spacing without HTML escaping, raise_exception, namespace(), slicing,
//     loop.* and the str methods are there. The one miss was strftime_now reading the wall clock.
//     It has no dependencies, so it builds for GOOS=js GOARCH=wasm as is.
//   - gonja/v2: 40 of 43. No strftime_now; str.replace demands a count; trim_blocks and
//     lstrip_blocks need a global config switch; it pulls in logrus, go-humanize, json-iterator.
//
// # Limits
//
// A chat template comes with the model file, from anywhere, and runs at load (the caps
// probe) and at every message, so it is treated as hostile code. Every render runs under
// jinja.Limits: steps (loop iterations, calls, work), output bytes, string and list sizes,
// memory built and nesting depth, each checked as the template runs and before anything is
// allocated; going over one is an error that names it (errors.Is(err, jinja.ErrLimit)).
// Limits(n) are jinja.DefaultLimits grown with the conversation's size, so a long chat
// renders while a hostile template on a short one is stopped within ~0.2 s and 64 MB. The
// load-time probe runs under smaller limits still (probeLimits); a template that goes over
// them fails Parse, and the engine falls back to ChatML with a note. RenderContext stops a
// render when its context is cancelled (Ctrl-C in `hearth chat`), and RenderOptions.Yield
// lets the browser's event loop run during a render, so that its cancel arrives.
//
// What this package adds around the Jinja engine (kept close to ardanlabs/jinja, whose
// filters, tests and methods are closed, so the gaps are filled by globals and a small
// source rewrite, see rewrite.go):
//
//   - strftime_now(fmt) with Python/glibc directives, on a clock the caller pins (RenderOptions.Now);
//     date_string and datetime are injected from the same clock, as llama.cpp does.
//   - `x | tojson(...)` is rewritten to call Python's json.dumps rules (tojson.go): key order kept,
//     indent, separators, sort_keys, ensure_ascii, floats as Python prints them (1.0, 1e+16),
//     U+2028/U+2029 and "<>&" left alone. The library's indent path sorted keys and escaped HTML.
//   - `s.split(sep, maxsplit)` and `s.rsplit(...)`: the library ignored maxsplit and had no rsplit.
//   - Values keep insertion order (messages, tools, JSON context), so tojson and dict loops see
//     the caller's order rather than Go map order.
//   - llama.cpp's caps probe, with its probe texts: a template that cannot take a system role
//     gets a leading system message merged into the next message (gemma-2); tool-call
//     arguments go to the template as an object only if it prints objects (caps.go).
//   - enable_thinking defaults to whether the template has a thinking mode, like llama-server
//     (it reads enable_thinking or writes <think>; this agrees with llama.cpp on all 13).
//
// Known differences from Python's jinja2 left in the library (no chat template in the golden set
// depends on them): None prints as "" rather than "None", floats print with %g ("2" for 2.0),
// tuple unpacking in set, exponent float literals and "\u" escapes in string literals are not
// supported, and integers are 64-bit (past that, an error rather than a big integer).
package chat
