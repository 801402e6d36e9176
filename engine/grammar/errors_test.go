package grammar

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/errors.golden")

// Every refused grammar gets a message naming the place (line:column) or the rule.
func TestErrorsGolden(t *testing.T) {
	bad := []string{
		``,
		`start ::= "a"`,
		`root ::= "a`,
		`root ::= [a-`,
		"root ::= [a-\nx ::= \"b\"",
		`root ::= [z-a]`,
		`root ::= "\q"`,
		`root ::= "\x4"`,
		`root ::= "\uD800"`,
		`root ::= ("a" | "b"`,
		`root ::= "a" )`,
		`root ::= * "a"`,
		`root ::= "a"{3,2}`,
		`root ::= "a"{5000}`,
		`root ::= "a"{2`,
		`root ::= "a"{x}`,
		"root ::= a\n",
		"root ::= \"x\"\nroot ::= \"y\"",
		"root ::= \"x\" root",
		"root ::= item\nitem ::= item \"x\" | \"y\"",
		"root ::= a\na ::= b? a \"x\" | \"y\"\nb ::= \"b\"",
		"root ::= a\na ::= \"x\" a",
		"root ::= [^\\x00-\\U0010FFFF]",
		"root ::= \"a\"\n  bad",
		"root ::= x\n\n  # comment\nx ::= ( \"a\"\n  | y )\n",
		"root ::= \"a\" ::= \"b\"",
		"root = \"a\"",
		"root ::= \"ok\" | ~",
	}
	var out strings.Builder
	for _, src := range bad {
		_, err := Parse(src)
		msg := "ACCEPTED"
		if err != nil {
			msg = err.Error()
		}
		out.WriteString(strings.ReplaceAll(src, "\n", `\n`) + "\n    " + msg + "\n")
	}
	const golden = "testdata/errors.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if out.String() != string(want) {
		t.Errorf("errors differ from %s (-update to accept):\n%s", golden, out.String())
	}
	if strings.Contains(out.String(), "ACCEPTED") {
		t.Error("a bad grammar was accepted")
	}
}
