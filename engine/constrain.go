package engine

import (
	"errors"

	"hearth/engine/grammar"
	"hearth/engine/jsonschema"
)

// maxCachedGrammars bounds the compiled grammars a session keeps (with their automata and
// token masks, so that the next request under the same grammar starts warm).
const maxCachedGrammars = 8

// Constrain returns a fresh matcher for a GBNF grammar or a JSON schema (at most one of
// them; nil, nil when both are empty). A grammar or schema the engine cannot use is an
// error naming the line:column or the keyword.
func (s *Session) Constrain(gbnf string, schema []byte) (Constraint, error) {
	var key string
	switch {
	case gbnf != "" && len(schema) > 0:
		return nil, errors.New("pass a grammar or a JSON schema, not both")
	case gbnf != "":
		key = "g:" + gbnf
	case len(schema) > 0:
		key = "s:" + string(schema)
	default:
		return nil, nil
	}
	if c, ok := s.grammars[key]; ok {
		return c.NewMatcher(), nil
	}
	var g *grammar.Grammar
	var err error
	if gbnf != "" {
		g, err = grammar.Parse(gbnf)
	} else {
		g, err = jsonschema.Compile(schema)
	}
	if err != nil {
		return nil, err
	}
	if s.vocab == nil {
		s.vocab = grammar.FromTokenizer(s.Tokenizer)
	}
	if s.grammars == nil || len(s.grammars) >= maxCachedGrammars {
		s.grammars = map[string]*grammar.Constraint{}
	}
	c := grammar.Bind(g, s.vocab)
	s.grammars[key] = c
	return c.NewMatcher(), nil
}
