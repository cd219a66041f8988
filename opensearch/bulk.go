package opensearch

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/server"
)

// op is one document operation of a bulk request (or of a single-document
// request): what was asked, then what became of it.
type op struct {
	action string // "index", "create", "delete" ("update" is refused)
	index  string
	id     string
	src    map[string]any // index, create
	// outcome
	err    *Error // a per-item failure
	status int
	result string // created, updated, deleted, not_found
}

// item renders the op's entry of a bulk answer.
func (o *op) item() map[string]any {
	it := map[string]any{"_index": o.index, "_id": o.id}
	if o.err != nil {
		it["status"] = o.err.Status
		it["error"] = o.err.object(false)
		return it
	}
	it["_version"] = 1
	it["result"] = o.result
	it["_shards"] = shards
	it["_seq_no"] = 0
	it["_primary_term"] = 1
	it["status"] = o.status
	return it
}

// bulk answers POST/PUT [/{index}]/_bulk: NDJSON action/source pairs,
// applied in order; each item succeeds or fails on its own (a failure is a
// 4xx in its item and sets "errors"), a malformed request fails whole.
func (r *request) bulk() {
	body, e := r.body(true)
	if e != nil {
		r.fail(e)
		return
	}
	ops, e := parseBulk(body, r.index, r.s.opts.Limits)
	if e != nil {
		r.fail(e)
		return
	}
	r.s.apply(r.ctx, ops)
	items := make([]any, len(ops))
	failed := false
	for i, o := range ops {
		items[i] = map[string]any{o.action: o.item()}
		failed = failed || o.err != nil
	}
	r.writeJSON(200, map[string]any{"took": time.Since(r.start).Milliseconds(), "errors": failed, "items": items})
}

// lineShape bounds one bulk line before it is decoded: a source line may
// hold a vocabulary's worth of vector entries.
func lineShape(lim server.Limits) server.Shape {
	return server.Shape{Depth: server.MaxJSONDepth, Members: max(index.VocabSize, lim.MaxFields+8)}
}

// parseBulk reads a bulk body into operations. Problems with one item's
// source or metadata are that item's error; a malformed action line, a
// missing source line or more than MaxBatchDocs operations fail the
// request.
func parseBulk(body []byte, pathIndex string, lim server.Limits) ([]*op, *Error) {
	lines := bytes.Split(body, []byte("\n"))
	var ops []*op
	for n := 0; n < len(lines); n++ {
		line := bytes.TrimSpace(lines[n])
		if len(line) == 0 {
			continue
		}
		if len(ops) == lim.MaxBatchDocs {
			return nil, illegalArgument("more than %d operations in one bulk request; the limit is %d (split the request)", lim.MaxBatchDocs, lim.MaxBatchDocs)
		}
		o, hasSource, e := parseAction(line, n+1, pathIndex)
		if e != nil {
			return nil, e
		}
		ops = append(ops, o)
		if !hasSource {
			continue
		}
		n++
		for n < len(lines) && len(bytes.TrimSpace(lines[n])) == 0 {
			n++
		}
		if n == len(lines) {
			return nil, illegalArgument("the bulk request ends after the action on line [%d]: its source line is missing", n)
		}
		if o.err != nil {
			continue
		}
		src := bytes.TrimSpace(lines[n])
		if err := server.CheckShape(src, lineShape(lim)); err != nil {
			o.err = mapperParsing("failed to parse the source on line [%d]: %v", n+1, err)
			continue
		}
		doc, err := decodeObject(src)
		if err != nil {
			o.err = mapperParsing("failed to parse the source on line [%d]", n+1)
			o.err.Cause = asError(err, o.index)
			continue
		}
		o.src = doc
	}
	if len(ops) == 0 {
		return nil, errorf(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;")
	}
	return ops, nil
}

// parseAction reads an action/metadata line. hasSource says a source line
// follows (index, create, update).
func parseAction(line []byte, n int, pathIndex string) (*op, bool, *Error) {
	if err := server.CheckShape(line, server.Shape{Depth: 3, Members: 16}); err != nil {
		return nil, false, illegalArgument("Malformed action/metadata line [%d]: %v", n, err)
	}
	obj, err := decodeObject(line)
	if err != nil || len(obj) != 1 {
		return nil, false, illegalArgument("Malformed action/metadata line [%d], expected a JSON object with one of [create], [delete], [index] or [update]", n)
	}
	var o op
	var meta any
	for k, v := range obj {
		o.action, meta = k, v
	}
	switch o.action {
	case "index", "create", "delete", "update":
	default:
		return nil, false, illegalArgument("Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]", n, o.action)
	}
	md, ok := meta.(map[string]any)
	if !ok {
		return nil, false, illegalArgument("Malformed action/metadata line [%d], expected an object after [%s]", n, o.action)
	}
	hasSource := o.action != "delete"
	o.index = pathIndex
	for k, v := range md {
		s, isStr := v.(string)
		switch k {
		case "_index":
			if !isStr {
				return nil, false, illegalArgument("Malformed action/metadata line [%d]: [_index] must be a string", n)
			}
			o.index = s
		case "_id":
			if !isStr {
				return nil, false, illegalArgument("Malformed action/metadata line [%d]: [_id] must be a string", n)
			}
			o.id = s
		case "routing", "pipeline", "require_alias", "retry_on_conflict", "_source", "dynamic_templates":
			// Accepted and ignored: one shard, and documents without the
			// vector are always encoded by the index's model.
		default:
			o.err = illegalArgument("Action/metadata line [%d] contains an unknown parameter [%s]%s", n, k, paramHint(k))
		}
	}
	if o.index == "" {
		return nil, false, errorf(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;")
	}
	switch {
	case o.err != nil:
	case o.action == "update":
		o.err = illegalArgument("the [update] action is not supported by Sparrow: send the whole document with [index]")
	case o.action != "index" && o.id == "":
		o.err = errorf(400, "action_request_validation_exception", "Validation Failed: 1: id is missing;")
	case o.id == "":
		o.id = newID()
	}
	if o.err == nil {
		if err := server.ValidDocID(o.id); err != nil {
			o.err = illegalArgument("%v", err)
		}
	}
	return &o, hasSource, nil
}

// newID is an automatic document id: 20 URL-safe characters, as
// OpenSearch's.
func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// apply runs ops in order. Consecutive index/create operations on one index
// with distinct ids are one collection.Upsert (one fsync); a delete, another
// index or a repeated id starts a new batch, so the outcome is that of
// applying the operations one by one.
func (s *Server) apply(ctx context.Context, ops []*op) {
	var run []*op
	ids := map[string]bool{}
	flush := func() {
		if len(run) > 0 {
			s.upsertRun(ctx, run)
		}
		run, ids = run[:0], map[string]bool{}
	}
	for _, o := range ops {
		if o.err != nil {
			continue
		}
		if o.action == "delete" {
			flush()
			s.deleteOne(ctx, o)
			continue
		}
		if len(run) > 0 && (run[0].index != o.index || ids[o.id]) {
			flush()
		}
		run = append(run, o)
		ids[o.id] = true
	}
	flush()
}

func (s *Server) deleteOne(ctx context.Context, o *op) {
	r := &request{s: s}
	c, _, e := r.collection(o.index)
	if e != nil {
		o.err = e
		return
	}
	found, err := c.Delete(ctx, o.id)
	switch {
	case err != nil:
		o.err = asError(err, o.index)
	case found:
		o.status, o.result = 200, "deleted"
	default:
		o.status, o.result = 404, "not_found" // not a failure, as in OpenSearch
	}
}

// upsertRun writes one batch of index/create operations on one index,
// creating the index on first use and adding new fields to its mapping
// before the documents that bring them.
func (s *Server) upsertRun(ctx context.Context, run []*op) {
	name := run[0].index
	r := &request{s: s}
	c, m, e := r.ensureIndex(name)
	if e != nil {
		for _, o := range run {
			o.err = e
		}
		return
	}
	docs, added := convertRun(run, m, s.opts.Limits)
	if len(added) > 0 {
		if m, e = s.updateMapping(name, c, added); e != nil {
			for _, o := range run {
				o.err = e
			}
			return
		}
		docs, _ = convertRun(run, m, s.opts.Limits) // now typed by the mapping
	}
	var todo []*op
	for _, o := range run {
		if o.err == nil {
			todo = append(todo, o)
		}
	}
	if len(todo) == 0 {
		return
	}
	hasCreate := false
	for _, o := range todo {
		hasCreate = hasCreate || o.action == "create"
	}
	if hasCreate { // check-then-write must not interleave with another create
		l := s.indexLock(name)
		l.Lock()
		defer l.Unlock()
	}
	exists, err := existing(c, todo)
	if err != nil {
		for _, o := range todo {
			o.err = asError(err, name)
		}
		return
	}
	var batch []*op
	var batchDocs []collection.Document
	for _, o := range todo {
		if exists[o.id] && o.action == "create" {
			o.err = versionConflict(name, o.id)
			continue
		}
		o.status, o.result = 201, "created"
		if exists[o.id] {
			o.status, o.result = 200, "updated"
		}
		batch = append(batch, o)
		batchDocs = append(batchDocs, docs[o])
	}
	upsertIsolating(ctx, c, name, batchDocs, batch)
}

// convertRun turns each op's source into a document under m; new fields
// are collected, the first operation's type winning for a field two bring.
func convertRun(run []*op, m *Mapping, lim server.Limits) (map[*op]collection.Document, map[string]string) {
	docs := make(map[*op]collection.Document, len(run))
	added := map[string]string{}
	for _, o := range run {
		if o.err != nil {
			continue
		}
		d, add, e := toDocument(o.id, o.src, m, lim)
		if e != nil {
			o.err = e
			continue
		}
		for f, typ := range add {
			if _, ok := added[f]; !ok {
				added[f] = typ
			}
		}
		docs[o] = d
	}
	return docs, added
}

// existing reports which of the ops' ids are in c.
func existing(c *collection.Collection, ops []*op) (map[string]bool, error) {
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.id
	}
	_, found, err := c.List(collection.Filter{IDs: ids}, 0, len(ids))
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// upsertIsolating upserts docs as one batch; when the collection refuses
// the batch for one document's sake (an input error: a token outside the
// vocabulary, say), it halves the batch until each refused document is
// alone, so every other document is written and only the bad ones fail,
// each with the collection's own reason.
func upsertIsolating(ctx context.Context, c *collection.Collection, name string, docs []collection.Document, ops []*op) {
	if len(docs) == 0 {
		return
	}
	err := c.Upsert(ctx, docs)
	if err == nil {
		return
	}
	if !collection.IsInputError(err) || len(docs) == 1 {
		e := asError(err, name)
		if collection.IsInputError(err) {
			e = mapperParsing("failed to parse document [%s]: %s", ops[0].id, strings.TrimPrefix(err.Error(), "collection: "))
		}
		for _, o := range ops {
			o.err = e
		}
		return
	}
	mid := len(docs) / 2
	upsertIsolating(ctx, c, name, docs[:mid], ops[:mid])
	upsertIsolating(ctx, c, name, docs[mid:], ops[mid:])
}
