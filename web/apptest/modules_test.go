package apptest

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"hearth/internal/limits"
	"hearth/internal/shared"
	"hearth/internal/webtest"
)

// bundleModule bundles one web/app module on its own as a script that sets a global.
func bundleModule(t *testing.T, file, global string) string {
	t.Helper()
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{filepath.Join(shared.RepoRoot(), "web", "app", file)},
		Bundle:      true, Format: api.FormatIIFE, GlobalName: global, Write: false, Target: api.ES2022,
		Plugins: []api.Plugin{{Name: "hearth-limits", Setup: func(pb api.PluginBuild) {
			// "hearth:limits" as web/build emits it: internal/limits' numbers.
			pb.OnResolve(api.OnResolveOptions{Filter: "^hearth:limits$"}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "limits", Namespace: "hearth-limits"}, nil
			})
			pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "hearth-limits"}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				js := string(limits.JS())
				return api.OnLoadResult{Contents: &js, Loader: api.LoaderJS}, nil
			})
		}}},
	})
	if len(res.Errors) > 0 || len(res.OutputFiles) != 1 {
		t.Fatalf("esbuild %s: %v", file, res.Errors)
	}
	return string(res.OutputFiles[0].Contents)
}

// TestPreflight checks the decision taken before a download (web/app/models.js preflight):
// refuse what the engine, the device's memory or the storage quota cannot hold, warn when
// it is close, count what is already cached.
func TestPreflight(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	p.Eval(bundleModule(t, "models.js", "models")+`; window.models = models; true`, nil)
	const MB, GB = 1e6, 1 << 30
	cases := []struct {
		name                 string
		size, cached         float64
		usage, quota, memory float64
		refuse, warn         string
	}{
		{"fits", 100 * MB, 0, 0, 10 * GB, 8, "", ""},
		{"too big for wasm", 3.5 * GB, 0, 0, 100 * GB, 0, "can hold at most", ""},
		{"too big for the device", 3 * GB, 0, 0, 100 * GB, 4, "reports about 4 GB of memory", ""},
		{"large for the device", 1 * GB, 0, 0, 100 * GB, 2, "", "may run out of memory"},
		{"no room", 500 * MB, 0, 900 * MB, 1 * GB, 0, "needs 500 MB of storage", ""},
		{"cached part counts", 500 * MB, 450 * MB, 940 * MB, 1000 * MB, 0, "", "most of the space left"},
		{"fully cached", 500 * MB, 500 * MB, 999 * MB, 1000 * MB, 0, "", ""},
		{"nearly full", 100 * MB, 0, 890 * MB, 1000 * MB, 0, "", "most of the space left"},
		{"no estimate", 100 * MB, 0, 0, 0, 0, "", ""},
	}
	for _, c := range cases {
		var r struct{ Refuse, Warn string }
		p.Eval(`models.preflight({ name: "m", size: `+num(c.size)+`, cached: `+num(c.cached)+` }, { usage: `+num(c.usage)+`, quota: `+num(c.quota)+` }, `+num(c.memory)+`)`, &r)
		if (c.refuse == "") != (r.Refuse == "") || !strings.Contains(r.Refuse, c.refuse) || (c.warn == "") != (r.Warn == "") || !strings.Contains(r.Warn, c.warn) {
			t.Errorf("%s: refuse %q, warn %q; want refuse %q, warn %q", c.name, r.Refuse, r.Warn, c.refuse, c.warn)
		}
	}
	p.CheckClean()
}

func num(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
