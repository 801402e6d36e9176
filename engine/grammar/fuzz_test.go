package grammar

import (
	"os"
	"testing"
)

// FuzzParse: any input either compiles or returns an *Error; a compiled grammar's start
// state is reachable and a few bytes can be stepped without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`root ::= "a"`, `root ::= [a-z]+ ("," [0-9]{1,3})?`, "root ::= x\nx ::= \"1\" | \"2\" x", `root ::= [^"\\] | "\u00e9"`} {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/json.gbnf"); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		m := Bind(g, NewVocab(nil, nil)).NewMatcher()
		for _, b := range []byte(src) {
			if err := m.AcceptBytes([]byte{b}); err != nil {
				break
			}
		}
	})
}
