package main

import (
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
	ni := s.acquire(ctx, p)
	if ni == nil {
		return
	}
	defer ni.release()
	ndjson, ok := requireJSON(ctx, true)
	if !ok {
		return
	}
	docs, err := decodeDocuments(ctx.PostBody(), ndjson, s.opts.Limits)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if err := ni.upsert(docs); err != nil {
		s.writeErr(ctx, err)
		return
	}
	s.metrics.ingested(ni.name, len(docs))
	// Apply has fsynced the batch: acknowledging it now is the durability
	// promise the kill -9 test checks.
	writeJSON(ctx, 200, map[string]any{"index": ni.name, "upserted": len(docs)})
}

func (s *Server) docID(ctx *fasthttp.RequestCtx, p params) (string, bool) {
	id := p.id
	if err := validateDocID(id); err != nil {
		writeError(ctx, 400, "%v", err)
		return "", false
	}
	return id, true
}

func (s *Server) handleGetDocument(ctx *fasthttp.RequestCtx, p params) {
	ni := s.acquire(ctx, p)
	if ni == nil {
		return
	}
	defer ni.release()
	id, ok := s.docID(ctx, p)
	if !ok {
		return
	}
	d, found, err := ni.sparse.Get(id)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if !found {
		writeError(ctx, 404, "document %q is not in index %q", id, ni.name)
		return
	}
	body := documentBody{ID: d.ID, Title: d.Title, Text: d.Text, Fields: d.Fields, Vector: map[string]float32{}}
	for i, tid := range d.Vector.IDs {
		body.Vector[ni.model.Tokenizer.Token(tid)] = d.Vector.Weights[i]
	}
	writeJSON(ctx, 200, body)
}

func (s *Server) handleDeleteDocument(ctx *fasthttp.RequestCtx, p params) {
	ni := s.acquire(ctx, p)
	if ni == nil {
		return
	}
	defer ni.release()
	id, ok := s.docID(ctx, p)
	if !ok {
		return
	}
	found, err := ni.deleteDoc(id)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if !found {
		writeError(ctx, 404, "document %q is not in index %q", id, ni.name)
		return
	}
	writeJSON(ctx, 200, map[string]any{"index": ni.name, "deleted": id})
}
