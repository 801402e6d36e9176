// Package grammar constrains generation to a formal grammar written in llama.cpp's GBNF
// (grammars/README.md there): rules `name ::= ...`, alternation `|`, sequences, groups
// `( )`, the repetitions `*` `+` `?` `{m}` `{m,}` `{m,n}`, string literals, character
// classes `[a-z]` `[^"\\]` with ranges and escapes (\n \r \t \\ \" \[ \] \- \xHH \uHHHH
// \UHHHHHHHH), `.` for any character, and `#` comments. A newline ends a rule except
// inside a group or after `|`.
//
// Parse compiles the grammar to bytes: every character class becomes the UTF-8 byte
// sequences of its code points, so the matcher works on token pieces as bytes (byte-level
// BPE and SentencePiece's byte fallback alike) and a piece that ends inside a character is
// no special case. Parse refuses, with line:column, a syntax error, an undefined or twice
// defined rule, a missing root, left recursion (a rule that reaches itself before any
// character, which would loop forever), and a root that can never finish. Alternatives that
// can never finish are dropped, so every state the matcher reaches can still end.
//
// The matcher (Matcher) keeps llama.cpp's model of a parse: a set of stacks of grammar
// positions. Stacks are interned (shared tails, one id per distinct stack) and so are the
// sets, which makes each set a state of a lazily built automaton: a byte's transition is
// computed once per state and then looked up. Masking the vocabulary walks a trie of the
// token pieces (Vocab) through those transitions and is cached per state; so the cost per
// token does not grow with the output (right recursion such as `x*` does not grow the
// stacks: a rule reference at the end of a sequence is a tail call).
package grammar
