// Package lexical wraps bleve/v2 with its BM25 scoring model: Sparrow's
// lexical baseline, sparse teacher and hybrid-search partner.
package lexical
