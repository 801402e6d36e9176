// Command build turns the front end and the engine into the static bundle:
//
//	go run ./web/build --out static
//
// It bundles web/app (and web/worker when present) with esbuild's Go API, builds the wasm
// engine through wasm/build.sh, minifies JS, CSS, HTML, SVG and JSON with tdewolff/minify,
// names every asset by its content hash (app.3fa2b9c1.js; index.html, sw.js and the
// manifests keep their names), renders index.templ to index.html with those names, builds
// the embeddable widget (web/widget → widget.js, a fixed name; embed.templ → embed.html,
// its page; widget.go) and writes precompressed .gz and .br siblings. Reruns write only what changed and delete
// the stale hashed files of earlier builds; <out>/models/ (hearth add-model's) is never
// touched.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
)

func main() {
	var opt Options
	flag.StringVar(&opt.Out, "out", "static", "static folder to build into")
	flag.StringVar(&opt.Root, "root", ".", "repository root")
	flag.StringVar(&opt.WasmDir, "wasm", "", "folder with a built engine.wasm and wasm_exec.js (default: run wasm/build.sh)")
	flag.IntVar(&opt.BrotliQuality, "brotli-quality", 11, "quality of the .br files, 1 to 11")
	flag.StringVar(&opt.Hub, "hub", os.Getenv("HEARTH_HUB"), "base URL the catalog's models download from: a Hugging Face mirror (default https://huggingface.co; also HEARTH_HUB)")
	quiet := flag.Bool("q", false, "print nothing but errors")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "web/build: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	opt.Log = os.Stderr
	res, err := Build(opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "web/build:", err)
		os.Exit(1)
	}
	if !*quiet {
		printSummary(res)
	}
}

// printSummary lists the bundle: each file with its size and its compressed siblings'.
func printSummary(res *Result) {
	sizes := map[string]int{}
	for _, f := range res.Files {
		sizes[f.Name] = f.Size
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "file\tbytes\tgzip\tbrotli\tsources\t")
	for _, f := range res.Files {
		if f.Of != "" {
			continue
		}
		src := "-"
		if f.SourceSize > 0 {
			src = fmt.Sprint(f.SourceSize)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t\n", f.Name, f.Size, orDash(sizes, f.Name+".gz"), orDash(sizes, f.Name+".br"), src)
	}
	w.Flush()
	fmt.Printf("%d files written, %d unchanged, %d stale removed%s\n", len(res.Written), len(res.Files)-len(res.Written),
		len(res.Removed), listed(res.Removed))
}

func orDash(sizes map[string]int, name string) string {
	if n, ok := sizes[name]; ok {
		return fmt.Sprint(n)
	}
	return "-"
}

func listed(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, " ")
}
