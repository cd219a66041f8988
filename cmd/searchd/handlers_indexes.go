package main

import (
	"bytes"
	"errors"

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

func (ni *namedIndex) info() indexInfo {
	snap := ni.sparse.Snapshot() // one snapshot: counts that agree
	views := snap.Views()
	var postings int64
	for _, v := range views {
		postings += v.Segment.NumPostings()
	}
	return indexInfo{
		Name:      ni.name,
		Documents: snap.NumDocs(),
		Segments:  len(views),
		Postings:  postings,
		DiskBytes: ni.diskBytes(),
		Model:     ni.manifest.Model,
		Created:   ni.manifest.Created,
	}
}

// acquire validates the {name} parameter and returns the open index, or
// writes the error and returns nil.
func (s *Server) acquire(ctx *fasthttp.RequestCtx, p params) *namedIndex {
	name := p.name
	if err := validateIndexName(name); err != nil {
		s.writeErr(ctx, err)
		return nil
	}
	ni, err := s.reg.get(name)
	if err != nil {
		writeError(ctx, 404, "index %q does not exist", name)
		return nil
	}
	return ni
}

func (s *Server) handleListIndexes(ctx *fasthttp.RequestCtx, _ params) {
	out := struct {
		Indexes []indexInfo `json:"indexes"`
	}{Indexes: []indexInfo{}}
	for _, name := range s.reg.names() {
		if ni, err := s.reg.get(name); err == nil {
			out.Indexes = append(out.Indexes, ni.info())
			ni.release()
		}
	}
	writeJSON(ctx, 200, out)
}

func (s *Server) handleCreateIndex(ctx *fasthttp.RequestCtx, p params) {
	name := p.name
	if err := validateIndexName(name); err != nil {
		s.writeErr(ctx, err)
		return
	}
	var req createRequest
	if len(bytes.TrimSpace(ctx.PostBody())) > 0 {
		if _, ok := requireJSON(ctx, false); !ok {
			return
		}
		if err := decodeStrict(ctx.PostBody(), &req); err != nil {
			s.writeErr(ctx, err)
			return
		}
	}
	ni, err := s.reg.create(name, req.Model)
	switch {
	case errors.Is(err, errExists):
		writeError(ctx, 409, "index %q already exists", name)
		return
	case err != nil:
		s.writeErr(ctx, err)
		return
	}
	s.log.Info("created index", "index", name, "model", ni.manifest.Model)
	if ni, err := s.reg.get(name); err == nil {
		defer ni.release()
		writeJSON(ctx, 201, ni.info())
		return
	}
	writeError(ctx, 404, "index %q was deleted concurrently", name)
}

func (s *Server) handleIndexStats(ctx *fasthttp.RequestCtx, p params) {
	ni := s.acquire(ctx, p)
	if ni == nil {
		return
	}
	defer ni.release()
	writeJSON(ctx, 200, ni.info())
}

func (s *Server) handleDeleteIndex(ctx *fasthttp.RequestCtx, p params) {
	name := p.name
	if err := validateIndexName(name); err != nil {
		s.writeErr(ctx, err)
		return
	}
	if err := s.reg.drop(name); err != nil {
		if errors.Is(err, errNotFound) {
			writeError(ctx, 404, "index %q does not exist", name)
			return
		}
		s.writeErr(ctx, err)
		return
	}
	s.metrics.forget(name)
	s.log.Info("deleted index", "index", name)
	writeJSON(ctx, 200, map[string]any{"deleted": name})
}
