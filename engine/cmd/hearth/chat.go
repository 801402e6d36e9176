package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"hearth/engine"
	"hearth/engine/model"
)

func init() {
	register("chat", "interactive terminal chat: -m FILE [--system TEXT] [--temp 0.8] (Ctrl-C stops a reply)", runChat)
}

func runChat(args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	system := fs.String("system", "", "system prompt")
	maxTokens := fs.Int("n", 0, "max tokens per reply (0: until the model stops)")
	ctxSize := fs.Int("c", 0, "context size in tokens (0: model default, at most 4096)")
	thinking := fs.Bool("think", true, "let reasoning models think (enable_thinking)")
	kvFlag := fs.String("kv", "f16", "KV cache type: f16 (half the memory) or f32")
	so := samplingFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	kv, err := model.ParseKVType(*kvFlag)
	if err != nil {
		return err
	}
	f, err := openGGUF(*path)
	if err != nil {
		return err
	}
	s, err := engine.Load(f, engine.LoadOptions{ContextSize: *ctxSize, KV: kv})
	if err != nil {
		return err
	}
	if s.TemplateNote != "" {
		fmt.Fprintln(os.Stderr, "note:", s.TemplateNote)
	}
	fmt.Fprintf(os.Stderr, "%s (%s, %s), context %d tokens. Ctrl-C stops a reply, Ctrl-D quits.\n",
		*path, s.Model.Config.Arch, s.Model.Config.FileTypeStr, s.ContextSize())

	var msgs []engine.Message
	if *system != "" {
		msgs = append(msgs, engine.Message{Role: "system", Content: *system})
	}
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	in := bufio.NewReader(os.Stdin)
	for {
		fmt.Fprint(os.Stderr, "\n> ")
		line, err := in.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			fmt.Fprintln(os.Stderr)
			return nil
		} else if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		msgs = append(msgs, engine.Message{Role: "user", Content: line})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-interrupts:
				cancel()
			case <-ctx.Done():
			}
		}()
		inThink := false
		st, err := s.Generate(ctx, msgs, engine.Options{
			Sample: *so, MaxTokens: *maxTokens, Context: map[string]any{"enable_thinking": *thinking},
		}, func(e engine.Event) {
			switch e.Kind {
			case engine.EventReasoning:
				if !inThink {
					fmt.Print("\x1b[2m[thinking] ")
					inThink = true
				}
				fmt.Print(e.Text)
			case engine.EventText:
				if inThink {
					fmt.Print("\x1b[0m\n")
					inThink = false
				}
				fmt.Print(e.Text)
			}
		})
		cancel()
		if inThink {
			fmt.Print("\x1b[0m")
		}
		fmt.Println()
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "error:", err)
			msgs = msgs[:len(msgs)-1]
			continue
		}
		msgs = append(msgs, engine.Message{Role: "assistant", Content: st.Text})
		note := ""
		if st.TrimmedMessages > 0 {
			note = fmt.Sprintf(", context full: %d oldest messages dropped", st.TrimmedMessages)
		}
		fmt.Fprintf(os.Stderr, "\x1b[2m[%d prompt tokens (%d cached), %d generated, prefill %.1f tok/s, decode %.1f tok/s, stop: %s%s]\x1b[0m\n",
			st.PromptTokens, st.CachedTokens, st.GeneratedTokens, st.PrefillTPS, st.DecodeTPS, st.StopReason, note)
	}
}
