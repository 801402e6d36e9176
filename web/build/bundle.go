package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"hearth/internal/limits"
)

// The module "hearth:limits" is internal/limits' numbers for the JavaScript (limits.JS):
// the wasm memory limit, the default context, every option's range and default.
const (
	limitsModule    = "hearth:limits"
	limitsNamespace = "hearth-limits"
	limitsSource    = "internal/limits/limits.go" // what the module comes from, for the manifest
)

// limitsPlugin resolves import "hearth:limits" to limits.JS().
var limitsPlugin = api.Plugin{
	Name: "hearth-limits",
	Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: "^hearth:limits$"}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{Path: "limits", Namespace: limitsNamespace}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: limitsNamespace}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
			js := string(limits.JS())
			return api.OnLoadResult{Contents: &js, Loader: api.LoaderJS}, nil
		})
	},
}

// bundled is one esbuild output: the code and the source files that went into it.
type bundled struct {
	code   []byte
	inputs []string // relative to the repository root, slash-separated, sorted
}

// bundle runs esbuild on one entry point (relative to root) and returns the single output
// file, not minified (tdewolff/minify does that next). format is api.FormatESModule for
// the page's modules, api.FormatIIFE for classic scripts; CSS entries ignore it. define
// replaces global identifiers with JSON values at build time.
func bundle(root, entry string, format api.Format, define map[string]string) (*bundled, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	opts := api.BuildOptions{
		AbsWorkingDir: abs,
		EntryPoints:   []string{entry},
		Bundle:        true,
		Write:         false,
		Outdir:        "out", // esbuild wants one for naming; nothing is written
		Metafile:      true,
		Platform:      api.PlatformBrowser,
		Target:        api.ES2022,
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsNone,
		LogLevel:      api.LogLevelSilent,
		Define:        define,
		Plugins:       []api.Plugin{limitsPlugin},
	}
	if !strings.HasSuffix(entry, ".css") {
		opts.Format = format
	}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("esbuild %s:\n%s", entry, formatMessages(res.Errors))
	}
	if len(res.OutputFiles) != 1 {
		var names []string
		for _, f := range res.OutputFiles {
			names = append(names, f.Path)
		}
		return nil, fmt.Errorf("esbuild %s: want one output file, got %d (%s): CSS imported from a script or a non-code import?", entry, len(names), strings.Join(names, ", "))
	}
	inputs, err := metafileInputs(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("esbuild %s: %w", entry, err)
	}
	return &bundled{code: res.OutputFiles[0].Contents, inputs: inputs}, nil
}

// metafileInputs lists the input files of an esbuild metafile.
func metafileInputs(meta string) ([]string, error) {
	var m struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return nil, fmt.Errorf("metafile: %v", err)
	}
	var in []string
	for name := range m.Inputs {
		if name == limitsNamespace+":limits" {
			name = limitsSource
		}
		in = append(in, filepath.ToSlash(name))
	}
	sort.Strings(in)
	return in, nil
}

func formatMessages(msgs []api.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		if l := m.Location; l != nil {
			fmt.Fprintf(&b, "  %s:%d:%d: %s\n    %s\n", l.File, l.Line, l.Column+1, m.Text, l.LineText)
		} else {
			fmt.Fprintf(&b, "  %s\n", m.Text)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
