package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"hearth/internal/shared"
)

// goldenFile is shared/templates/golden.json (schema hearth-template-golden/v1): llama.cpp's
// renders of real chat templates, see shared/templates/README.md.
type goldenFile struct {
	Schema    string `json:"schema"`
	Strftime  string `json:"strftime_now_utc"`
	Templates map[string]struct {
		SHA256         string          `json:"sha256"`
		BOS            string          `json:"bos_token"`
		EOS            string          `json:"eos_token"`
		EnableThinking bool            `json:"enable_thinking"`
		Caps           map[string]bool `json:"caps"`
	} `json:"templates"`
	Cases []goldenCase `json:"cases"`
}

type goldenCase struct {
	Template            string                     `json:"template"`
	Conversation        string                     `json:"conversation"`
	Messages            []Message                  `json:"messages"`
	AddGenerationPrompt bool                       `json:"add_generation_prompt"`
	BOS                 string                     `json:"bos_token"`
	EOS                 string                     `json:"eos_token"`
	Extra               map[string]json.RawMessage `json:"extra_context"`
	Rendered            *string                    `json:"rendered"`
	Error               *string                    `json:"error"`
	Direct              struct {
		Rendered *string `json:"rendered"`
		Error    *string `json:"error"`
	} `json:"jinja_direct"`
}

func loadGolden(t *testing.T) (dir string, g goldenFile, now time.Time) {
	t.Helper()
	path := shared.Path(t, "templates", "golden.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if g.Schema != "hearth-template-golden/v1" {
		t.Fatalf("golden schema %q", g.Schema)
	}
	now, err = time.Parse(time.RFC3339, g.Strftime)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(path), g, now
}

func (c goldenCase) options(now time.Time) RenderOptions {
	ctx := map[string]any{}
	for k, v := range c.Extra {
		ctx[k] = v
	}
	return RenderOptions{BOS: c.BOS, EOS: c.EOS, AddGenerationPrompt: c.AddGenerationPrompt, Context: ctx, Now: now}
}

// TestGolden renders every llama.cpp golden case: `rendered` through Render (with llama.cpp's
// system-role fix) and `jinja_direct` with the bare template, and checks the probed
// capabilities against llama.cpp's. It prints a table of pass counts per template.
func TestGolden(t *testing.T) {
	dir, g, now := loadGolden(t)
	type tally struct{ cases, rendered, direct int }
	counts := map[string]*tally{}
	parsed := map[string]*Template{}
	for name, info := range g.Templates {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(src)
		if hex.EncodeToString(sum[:]) != info.SHA256 {
			t.Errorf("%s: sha256 differs from golden.json", name)
		}
		tmpl, err := Parse(string(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		parsed[name] = tmpl
		counts[name] = &tally{}
		if tmpl.SupportsSystemRole() != info.Caps["supports_system_role"] {
			t.Errorf("%s: system role %v, llama.cpp %v", name, tmpl.SupportsSystemRole(), info.Caps["supports_system_role"])
		}
		if tmpl.objectArgs != info.Caps["supports_object_arguments"] {
			t.Errorf("%s: object arguments %v, llama.cpp %v", name, tmpl.objectArgs, info.Caps["supports_object_arguments"])
		}
		if tmpl.SupportsThinking() != info.EnableThinking {
			t.Errorf("%s: thinking %v, llama.cpp %v", name, tmpl.SupportsThinking(), info.EnableThinking)
		}
	}
	for _, c := range g.Cases {
		tmpl := parsed[c.Template]
		if tmpl == nil {
			t.Errorf("case %s/%s: template not parsed", c.Template, c.Conversation)
			continue
		}
		n := counts[c.Template]
		n.cases++
		if c.Rendered == nil {
			t.Errorf("%s/%s: golden has no rendered text (llama.cpp error %v)", c.Template, c.Conversation, c.Error)
			continue
		}
		got, err := tmpl.Render(c.Messages, c.options(now))
		switch {
		case err != nil:
			t.Errorf("%s/%s: %v", c.Template, c.Conversation, err)
		case got != *c.Rendered:
			t.Errorf("%s/%s:\n got %q\nwant %q", c.Template, c.Conversation, got, *c.Rendered)
		default:
			n.rendered++
		}

		bare := *tmpl
		bare.systemRole = true // no pre-render fixes: the template alone
		got, err = bare.Render(c.Messages, c.options(now))
		switch {
		case c.Direct.Error != nil:
			// llama.cpp's message ends with the template's own text after "Jinja Exception: ".
			_, want, _ := strings.Cut(*c.Direct.Error, "Jinja Exception: ")
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s/%s direct: error %v, want one saying %q", c.Template, c.Conversation, err, want)
			} else {
				n.direct++
			}
		case err != nil:
			t.Errorf("%s/%s direct: %v", c.Template, c.Conversation, err)
		case got != *c.Direct.Rendered:
			t.Errorf("%s/%s direct:\n got %q\nwant %q", c.Template, c.Conversation, got, *c.Direct.Rendered)
		default:
			n.direct++
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var tot tally
	fmt.Fprintf(&b, "%-48s %5s %8s %6s\n", "template", "cases", "rendered", "direct")
	for _, n := range names {
		c := counts[n]
		fmt.Fprintf(&b, "%-48s %5d %8d %6d\n", n, c.cases, c.rendered, c.direct)
		tot.cases, tot.rendered, tot.direct = tot.cases+c.cases, tot.rendered+c.rendered, tot.direct+c.direct
	}
	fmt.Fprintf(&b, "%-48s %5d %8d %6d", "total", tot.cases, tot.rendered, tot.direct)
	t.Log("llama.cpp golden renders, passes per template:\n" + b.String())
	if tot.cases != len(g.Cases) || tot.rendered != tot.cases || tot.direct != tot.cases {
		t.Errorf("passed %d rendered and %d direct of %d cases", tot.rendered, tot.direct, len(g.Cases))
	}
}
