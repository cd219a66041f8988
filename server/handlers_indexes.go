package server

import (
	"bytes"
	"errors"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp"
)

type indexInfo struct {
	Name      string `json:"name"`
	Documents int    `json:"documents"`
	Segments  int    `json:"segments"`
	Postings  int64  `json:"postings"`
	DiskBytes int64  `json:"disk_bytes"`
	Model     string `json:"model"`
	Created   string `json:"created,omitempty"`
}

func info(name string, c *collection.Collection) (indexInfo, error) {
	st, err := c.Stats()
	if err != nil {
		return indexInfo{}, err
	}
	m := c.Manifest()
	return indexInfo{Name: name, Documents: st.Documents, Segments: st.Segments, Postings: st.Postings,
		DiskBytes: st.DiskBytes, Model: m.Model, Created: m.Created}, nil
}

// collection validates the {name} parameter and returns the open
// collection, or writes the error and returns nil.
func (s *Server) collection(ctx *fasthttp.RequestCtx, p params) *collection.Collection {
	if err := collection.ValidName(p.name); err != nil {
		s.writeErr(ctx, err)
		return nil
	}
	c, err := s.cat.Get(p.name)
	if errors.Is(err, collection.ErrNotFound) {
		writeError(ctx, 404, "index %q does not exist", p.name)
		return nil
	}
	if err != nil {
		s.writeErr(ctx, err)
		return nil
	}
	return c
}

func (s *Server) handleListIndexes(ctx *fasthttp.RequestCtx, _ params) {
	s.rescan() // a listing also notices directories added or removed meanwhile
	out := struct {
		Indexes []indexInfo `json:"indexes"`
	}{Indexes: []indexInfo{}}
	for _, name := range s.cat.Names() {
		c, err := s.cat.Get(name)
		if err != nil {
			continue
		}
		if in, err := info(name, c); err == nil {
			out.Indexes = append(out.Indexes, in)
		}
	}
	writeJSON(ctx, 200, out)
}

// createRequest is the optional body of PUT /v1/indexes/{name}.
type createRequest struct {
	Model string `json:"model"` // model directory on the server; "" = bundled default
}

func (s *Server) handleCreateIndex(ctx *fasthttp.RequestCtx, p params) {
	if err := collection.ValidName(p.name); err != nil {
		s.writeErr(ctx, err)
		return
	}
	var req createRequest
	if len(bytes.TrimSpace(ctx.PostBody())) > 0 {
		if _, ok := requireJSON(ctx, false); !ok {
			return
		}
		if err := decodeStrict(ctx.PostBody(), &req, shapeLimits{depth: 2, members: 16}); err != nil {
			s.writeErr(ctx, err)
			return
		}
	}
	c, err := s.cat.Create(p.name, collection.Options{Model: req.Model})
	if errors.Is(err, collection.ErrExists) {
		writeError(ctx, 409, "index %q already exists", p.name)
		return
	}
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	s.log.Info("created index", "index", p.name, "model", c.Manifest().Model)
	in, err := info(p.name, c)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	writeJSON(ctx, 201, in)
}

func (s *Server) handleIndexStats(ctx *fasthttp.RequestCtx, p params) {
	c := s.collection(ctx, p)
	if c == nil {
		return
	}
	in, err := info(p.name, c)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	writeJSON(ctx, 200, in)
}

func (s *Server) handleDeleteIndex(ctx *fasthttp.RequestCtx, p params) {
	if err := collection.ValidName(p.name); err != nil {
		s.writeErr(ctx, err)
		return
	}
	if err := s.cat.Drop(p.name); err != nil {
		if errors.Is(err, collection.ErrNotFound) {
			writeError(ctx, 404, "index %q does not exist", p.name)
			return
		}
		s.writeErr(ctx, err)
		return
	}
	s.metrics.forget(p.name)
	s.log.Info("deleted index", "index", p.name)
	writeJSON(ctx, 200, map[string]any{"deleted": p.name})
}
