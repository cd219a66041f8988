package server

import (
	_ "embed"

	"github.com/valyala/fasthttp"
)

//go:embed openapi.json
var openapiJSON []byte

//go:embed ui/index.html
var uiHTML []byte

func (s *Server) handleUI(ctx *fasthttp.RequestCtx, _ params) {
	ctx.Response.Header.SetContentType("text/html; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBody(uiHTML)
}

func (s *Server) handleOpenAPI(ctx *fasthttp.RequestCtx, _ params) {
	ctx.Response.Header.SetContentType("application/json; charset=utf-8")
	ctx.SetBody(openapiJSON)
}

func (s *Server) handleHealth(ctx *fasthttp.RequestCtx, _ params) {
	out := map[string]any{"status": "ok", "indexes": len(s.cat.Names()), "read_only": s.opts.ReadOnly}
	if broken := s.cat.Broken(); len(broken) > 0 {
		b := map[string]string{}
		for name, err := range broken {
			b[name] = err.Error()
		}
		out["broken"] = b
	}
	writeJSON(ctx, 200, out)
}

func (s *Server) handleMetrics(ctx *fasthttp.RequestCtx, _ params) {
	s.metrics.handler(ctx)
}
