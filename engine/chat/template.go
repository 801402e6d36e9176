package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hearth/engine/chat/jinja"
)

// Template is a parsed chat template. It is immutable after Parse and safe for concurrent use.
type Template struct {
	src  string
	tmpl *jinja.Template

	// What the template can take, probed once at Parse time like llama.cpp's caps probe.
	systemRole bool // renders a leading system message (gemma-2 raises instead)
	objectArgs bool // prints tool-call arguments given as an object (HF style)
	thinking   bool // has a thinking mode: the default for enable_thinking
}

// RenderOptions are the variables a render sees besides the messages, and what bounds
// and interrupts the render.
type RenderOptions struct {
	BOS, EOS            string // bos_token, eos_token
	AddGenerationPrompt bool   // end with the opening of an assistant turn
	// Context holds extra template variables (enable_thinking, tools, date_string, ...), which
	// override the defaults below. Values are Go values; a json.RawMessage is decoded with its
	// object keys in document order, and JSON null is Python's None.
	Context map[string]any
	// Now is the clock for strftime_now() and the default date_string ("%d %b %Y") and
	// datetime ("%b %d %Y") that llama.cpp injects; the zero value means time.Now().
	Now time.Time

	// Limits bound the render (the template is code from the model file); zero fields
	// take Limits(input), which grows DefaultLimits with the size of the conversation.
	Limits jinja.Limits
	// Yield, when set, is called every 1024 steps of the render; the browser lets its
	// event loop run there, so that a cancel arrives during a long render.
	Yield func()
	// Stats, when set, receives what the render spent of its limits.
	Stats *jinja.Stats
}

// Limits are the limits a render of a conversation of inputBytes bytes (message text,
// tool definitions, other variables) runs under: jinja.DefaultLimits, grown with the
// input so that a long conversation renders and a short one stays tightly bounded.
func Limits(inputBytes int64) jinja.Limits {
	l := jinja.DefaultLimits
	l.Steps += 16 * inputBytes // some real templates are quadratic in the number of messages
	l.Output += 4 * inputBytes
	l.String += 4 * inputBytes
	l.Memory += 64 * inputBytes
	l.List += inputBytes / 16
	return l
}

// Parse compiles a chat template. Like llama.cpp and HF transformers it drops one trailing
// newline and renders with trim_blocks and lstrip_blocks. The template is then tried on
// small conversations (llama.cpp's caps probe, and a plain user turn): a template that
// cannot render a plain conversation, or goes over its limits on one, is refused, so the
// caller falls back to a plain format instead of failing at the first message.
func Parse(src string) (t *Template, err error) {
	defer recoverError(&err)
	src = strings.TrimSuffix(src, "\n")
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("chat: empty template")
	}
	if len(src) > jinja.MaxSource {
		return nil, fmt.Errorf("chat: the template is %d bytes, over the %d-byte limit", len(src), jinja.MaxSource)
	}
	tmpl, err := jinja.Compile(rewriteSource(src))
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	t = &Template{src: src, tmpl: tmpl}
	if err := t.probe(); err != nil {
		return nil, fmt.Errorf("chat: the template's test render at load: %w", err)
	}
	return t, nil
}

// Source returns the template text (without the dropped trailing newline).
func (t *Template) Source() string { return t.src }

// SupportsSystemRole reports whether the template renders a system message; when it does not,
// Render merges a leading system message into the next one, as llama.cpp does.
func (t *Template) SupportsSystemRole() bool { return t.systemRole }

// SupportsThinking reports whether the template has a thinking mode (it reads enable_thinking
// or writes <think>). Render sets enable_thinking to this unless Context says otherwise, which
// is what llama-server does by default.
func (t *Template) SupportsThinking() bool { return t.thinking }

// Render renders the conversation. A template's raise_exception(...) or any evaluation error
// is returned as an error, and so is a limit the template goes over (errors.Is(err,
// jinja.ErrLimit)).
func (t *Template) Render(msgs []Message, opts RenderOptions) (string, error) {
	return t.RenderContext(context.Background(), msgs, opts)
}

// RenderContext is Render, stopped early when ctx is cancelled (the error then wraps
// ctx.Err()): a cancel is seen within 1024 steps of the template.
func (t *Template) RenderContext(ctx context.Context, msgs []Message, opts RenderOptions) (_ string, err error) {
	defer recoverError(&err)
	if !t.systemRole {
		msgs = mergeSystem(msgs)
	}
	list := make([]jinja.Value, len(msgs))
	for i, m := range msgs {
		list[i] = m.value(t.objectArgs)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	vars := map[string]jinja.Value{
		"messages":        jinja.NewList(list),
		"bos_token":       jinja.NewString(opts.BOS),
		"eos_token":       jinja.NewString(opts.EOS),
		"enable_thinking": jinja.NewBool(t.thinking),
		"date_string":     jinja.NewString(strftime("%d %b %Y", now)),
		"datetime":        jinja.NewString(strftime("%b %d %Y", now)),
		"strftime_now":    strftimeNow(now),
		globalTojson:      jinja.NewBudgetCallable("tojson", tojsonCall),
		globalSplit:       splitCall(false),
		globalRsplit:      splitCall(true),
	}
	if opts.AddGenerationPrompt {
		// llama.cpp leaves it undefined when false; templates test `is defined` and truthiness.
		vars["add_generation_prompt"] = jinja.NewBool(true)
	}
	for k, v := range opts.Context {
		val, err := toValue(v)
		if err != nil {
			return "", fmt.Errorf("chat: context %q: %w", k, err)
		}
		vars[k] = val
	}
	lim := Limits(inputSize(vars))
	if opts.Limits != (jinja.Limits{}) {
		lim = opts.Limits
	}
	out, err := t.tmpl.RenderWith(vars, jinja.RenderOptions{Limits: lim, Context: ctx, Yield: opts.Yield, Stats: opts.Stats})
	if err != nil {
		return "", fmt.Errorf("chat: render: %w", err)
	}
	return out, nil
}

// inputSize is the size of what a render is given: the bytes of its strings and a
// word for each value, walked to a bounded depth (the caller's values may share parts).
func inputSize(vars map[string]jinja.Value) int64 {
	var n, visits int64
	var walk func(v jinja.Value, depth int)
	walk = func(v jinja.Value, depth int) {
		n += 8
		if visits++; depth > 64 || visits > 1<<20 {
			return
		}
		switch {
		case v.IsString():
			n += int64(len(v.AsString()))
		case v.IsList():
			for _, it := range v.AsList().Items {
				walk(it, depth+1)
			}
		case v.IsDict():
			d := v.AsDict()
			for _, k := range d.Keys {
				n += int64(len(k))
				walk(d.Data[k], depth+1)
			}
		}
	}
	for _, v := range vars {
		walk(v, 0)
	}
	return n
}

// mergeSystem folds a leading system message into the message after it as
// "system\nnext", or drops it when it is alone: llama.cpp's fix for templates without a
// system role.
func mergeSystem(msgs []Message) []Message {
	if len(msgs) == 0 || msgs[0].Role != "system" {
		return msgs
	}
	if len(msgs) == 1 {
		return nil
	}
	out := append([]Message(nil), msgs[1:]...)
	out[0].Content = msgs[0].Content + "\n" + out[0].Content
	return out
}

// recoverError turns a panic inside the Jinja library (a template doing something the library
// did not expect) into an error, so bad templates never bring the engine down.
func recoverError(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("chat: the template engine panicked: %v", r)
	}
}
