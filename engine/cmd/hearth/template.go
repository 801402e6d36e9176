package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"hearth/engine/chat"
	"hearth/engine/chat/jinja"
)

// maxMessagesFile bounds the --messages file (a conversation and its tools).
const maxMessagesFile = 64 << 20

func init() {
	register("template", "render a chat template: --template FILE.jinja --messages FILE.json [--bos S] [--eos S] [--add-generation-prompt] [--context JSON] [--now RFC3339]", runTemplate)
}

// runTemplate renders a chat template the way the engine does before tokenizing, and writes
// the prompt to stdout exactly, with no newline added.
func runTemplate(args []string) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	tmplPath := fs.String("template", "", "chat template file (Jinja)")
	msgsPath := fs.String("messages", "", `messages file: a JSON array of {"role", "content", ...} ("-" for stdin)`)
	bos := fs.String("bos", "", "bos_token")
	eos := fs.String("eos", "", "eos_token")
	addGen := fs.Bool("add-generation-prompt", false, "end with the start of an assistant turn")
	ctxJSON := fs.String("context", "", `extra template variables as a JSON object, e.g. {"enable_thinking": false}`)
	nowFlag := fs.String("now", "", "clock for strftime_now and date_string (RFC 3339; default: now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *tmplPath == "" || *msgsPath == "" {
		return fmt.Errorf("--template and --messages are required")
	}
	src, err := readFileMax(*tmplPath, jinja.MaxSource)
	if err != nil {
		return err
	}
	raw, err := readInputMax(*msgsPath, maxMessagesFile)
	if err != nil {
		return err
	}
	var msgs []chat.Message
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return fmt.Errorf("%s: %w", *msgsPath, err)
	}
	opts := chat.RenderOptions{BOS: *bos, EOS: *eos, AddGenerationPrompt: *addGen}
	if *ctxJSON != "" {
		var vars map[string]json.RawMessage // each value keeps its JSON key order
		if err := json.Unmarshal([]byte(*ctxJSON), &vars); err != nil {
			return fmt.Errorf("--context: %w", err)
		}
		opts.Context = make(map[string]any, len(vars))
		for k, v := range vars {
			opts.Context[k] = v
		}
	}
	if *nowFlag != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fmt.Errorf("--now: %w", err)
		}
	}
	tmpl, err := chat.Parse(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", *tmplPath, err)
	}
	// The template runs under its limits (chat.Limits); Ctrl-C stops it too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	out, err := tmpl.RenderContext(ctx, msgs, opts)
	if err != nil {
		return err
	}
	_, err = os.Stdout.WriteString(out)
	return err
}
