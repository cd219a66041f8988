package server

import (
	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp"
)

type documentBody struct {
	ID     string             `json:"id"`
	Title  string             `json:"title"`
	Text   string             `json:"text"`
	Fields map[string]string  `json:"fields,omitempty"`
	Vector map[string]float32 `json:"vector"`
}

func (s *Server) handleIngest(ctx *fasthttp.RequestCtx, p params) {
	c := s.collection(ctx, p)
	if c == nil {
		return
	}
	ndjson, ok := requireJSON(ctx, true)
	if !ok {
		return
	}
	docs, err := decodeDocuments(ctx.PostBody(), ndjson, s.opts.Limits)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if err := c.Upsert(ctx, docs); err != nil {
		s.writeErr(ctx, err)
		return
	}
	s.metrics.ingested(p.name, len(docs))
	// Upsert has fsynced the batch: acknowledging it now is the durability
	// promise the kill -9 test checks.
	writeJSON(ctx, 200, map[string]any{"index": p.name, "upserted": len(docs)})
}

// document validates the {name} and {id} parameters and returns the open
// collection and the id, or writes the error and returns nil.
func (s *Server) document(ctx *fasthttp.RequestCtx, p params) (*collection.Collection, string) {
	c := s.collection(ctx, p)
	if c == nil {
		return nil, ""
	}
	if err := validateDocID(p.id); err != nil {
		writeError(ctx, 400, "%v", err)
		return nil, ""
	}
	return c, p.id
}

func (s *Server) handleGetDocument(ctx *fasthttp.RequestCtx, p params) {
	c, id := s.document(ctx, p)
	if c == nil {
		return
	}
	d, found, err := c.Get(id)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if !found {
		writeError(ctx, 404, "document %q is not in index %q", id, p.name)
		return
	}
	body := documentBody{ID: d.ID, Title: d.Title, Text: d.Text, Fields: d.Fields, Vector: make(map[string]float32, len(d.Tokens))}
	for tok, w := range d.Tokens {
		body.Vector[tok] = float32(w) // stored as float32: exact
	}
	writeJSON(ctx, 200, body)
}

func (s *Server) handleDeleteDocument(ctx *fasthttp.RequestCtx, p params) {
	c, id := s.document(ctx, p)
	if c == nil {
		return
	}
	found, err := c.Delete(ctx, id)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if !found {
		writeError(ctx, 404, "document %q is not in index %q", id, p.name)
		return
	}
	writeJSON(ctx, 200, map[string]any{"index": p.name, "deleted": id})
}
