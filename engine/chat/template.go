package chat

import (
	"fmt"
	"strings"
	"time"

	"github.com/ardanlabs/jinja"
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

// RenderOptions are the variables a render sees besides the messages.
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
}

// Parse compiles a chat template. Like llama.cpp and HF transformers it drops one trailing
// newline and renders with trim_blocks and lstrip_blocks.
func Parse(src string) (t *Template, err error) {
	defer recoverError(&err)
	src = strings.TrimSuffix(src, "\n")
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("chat: empty template")
	}
	tmpl, err := jinja.Compile(rewriteSource(src))
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	t = &Template{src: src, tmpl: tmpl}
	t.probe()
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
// is returned as an error.
func (t *Template) Render(msgs []Message, opts RenderOptions) (_ string, err error) {
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
		globalTojson:      jinja.NewCallable("tojson", tojsonCall),
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
	out, err := t.tmpl.RenderValues(vars)
	if err != nil {
		return "", fmt.Errorf("chat: render: %w", err)
	}
	return out, nil
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
		*err = fmt.Errorf("chat: template failed: %v", r)
	}
}
