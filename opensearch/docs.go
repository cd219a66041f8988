package opensearch

import (
	"strings"

	"github.com/sparrow-search/sparrow/server"
)

// indexDoc answers PUT/POST /{index}/_doc[/{id}] (op_type=create makes it
// a create).
func (r *request) indexDoc() {
	action := "index"
	switch r.param("op_type") {
	case "", "index":
	case "create":
		action = "create"
	default:
		r.fail(illegalArgument("op_type must be [index] or [create], got [%s]", r.param("op_type")))
		return
	}
	r.writeOne(action)
}

// createDoc answers PUT/POST /{index}/_create/{id}.
func (r *request) createDoc() { r.writeOne("create") }

func (r *request) writeOne(action string) {
	if e := validIndexName(r.index); e != nil {
		if _, _, ce := r.collection(r.index); ce != nil { // an existing /v1 index may have any valid name
			r.fail(e)
			return
		}
	}
	o := &op{action: action, index: r.index, id: r.id}
	if o.id == "" {
		o.id = newID()
	}
	if err := server.ValidDocID(o.id); err != nil {
		r.fail(illegalArgument("%v", err))
		return
	}
	body, e := r.body(false)
	if e != nil {
		r.fail(e)
		return
	}
	if err := server.CheckShape(body, lineShape(r.s.opts.Limits)); err != nil {
		r.fail(mapperParsing("failed to parse the document: %v", err))
		return
	}
	src, err := decodeObject(body)
	if err != nil {
		r.failErr(err)
		return
	}
	o.src = src
	r.applyOne(o)
}

// getDoc answers GET/HEAD /{index}/_doc/{id}.
func (r *request) getDoc() {
	src, found, e := r.source()
	if e != nil {
		r.fail(e)
		return
	}
	if !found {
		r.writeJSON(404, map[string]any{"_index": r.index, "_id": r.id, "found": false})
		return
	}
	out := map[string]any{"_index": r.index, "_id": r.id, "_version": 1, "_seq_no": 0, "_primary_term": 1, "found": true}
	if src != nil {
		out["_source"] = src
	}
	r.writeJSON(200, out)
}

// getSource answers GET/HEAD /{index}/_source/{id}.
func (r *request) getSource() {
	src, found, e := r.source()
	if e != nil {
		r.fail(e)
		return
	}
	if !found {
		r.fail(errorf(404, "resource_not_found_exception", "Document not found [%s]/[_doc]/[%s]", r.index, r.id))
		return
	}
	if src == nil {
		src = map[string]any{}
	}
	r.writeJSON(200, src)
}

// source reads document r.id of r.index as its filtered _source (nil when
// _source is off).
func (r *request) source() (map[string]any, bool, *Error) {
	c, m, e := r.collection(r.index)
	if e != nil {
		return nil, false, e
	}
	if err := server.ValidDocID(r.id); err != nil {
		return nil, false, illegalArgument("%v", err)
	}
	f, e := r.sourceFilterParams(nil)
	if e != nil {
		return nil, false, e
	}
	d, found, err := c.Get(r.id)
	if err != nil {
		return nil, false, asError(err, r.index)
	}
	if !found || f.off {
		return nil, found, nil
	}
	return f.apply(m.shownSource(d)), true, nil
}

// sourceFilterParams reads the _source URL parameters over a body's
// selection (nil: none).
func (r *request) sourceFilterParams(body *sourceFilter) (sourceFilter, *Error) {
	var f sourceFilter
	if body != nil {
		f = *body
	}
	args := r.ctx.QueryArgs()
	if args.Has("_source") {
		switch v := r.param("_source"); v {
		case "true", "":
			f.off = false
		case "false":
			f.off = true
		default:
			f.includes = splitList(v)
		}
	}
	if args.Has("_source_includes") {
		f.includes = splitList(r.param("_source_includes"))
	}
	if args.Has("_source_excludes") {
		f.excludes = splitList(r.param("_source_excludes"))
	}
	return f, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// deleteDoc answers DELETE /{index}/_doc/{id}.
func (r *request) deleteDoc() {
	if err := server.ValidDocID(r.id); err != nil {
		r.fail(illegalArgument("%v", err))
		return
	}
	o := &op{action: "delete", index: r.index, id: r.id}
	r.applyOne(o)
}

// applyOne applies a single-document write and answers with its item (a
// bulk item without its status, which is the HTTP status).
func (r *request) applyOne(o *op) {
	r.s.apply(r.ctx, []*op{o})
	if o.err != nil {
		r.fail(o.err)
		return
	}
	it := o.item()
	delete(it, "status")
	r.writeJSON(o.status, it)
}
