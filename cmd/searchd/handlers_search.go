package main

import (
	"time"

	"github.com/valyala/fasthttp"
)

func (s *Server) handleSearch(ctx *fasthttp.RequestCtx, p params) {
	start := time.Now()
	ni := s.acquire(ctx, p)
	if ni == nil {
		return
	}
	defer ni.release()
	if _, ok := requireJSON(ctx, false); !ok {
		return
	}
	req, err := decodeSearch(ctx.PostBody(), s.opts.Limits)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	fo := s.opts.Fusion
	if h := req.Hybrid; h != nil {
		if h.Normalization != "" {
			fo.Normalization = h.Normalization
		}
		if h.SparseWeight != nil {
			fo.SparseWeight = *h.SparseWeight
		}
		if h.BM25Weight != nil {
			fo.BM25Weight = *h.BM25Weight
		}
		if h.Candidates > 0 {
			fo.Candidates = h.Candidates
		}
	}
	resp, err := ni.search(req, fo)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	resp.TookUS = time.Since(start).Microseconds()
	writeSearchResponse(ctx, resp) // non-finite scores become 0
}
