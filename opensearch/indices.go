package opensearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/sparrow-search/sparrow/collection"
)

// shards is the _shards member of write and refresh answers: one shard.
var shards = map[string]any{"total": 1, "successful": 1, "failed": 0}

// info answers GET /: the cluster and version, as clients probe it.
func (r *request) info() {
	r.writeJSON(200, map[string]any{
		"name":         "sparrow",
		"cluster_name": "sparrow",
		"cluster_uuid": indexUUID("cluster"),
		"version": map[string]any{
			"distribution":                        "opensearch",
			"number":                              Version,
			"build_type":                          "sparrow",
			"build_hash":                          "unknown",
			"build_date":                          "1970-01-01T00:00:00Z",
			"build_snapshot":                      false,
			"lucene_version":                      "none (Sparrow)",
			"minimum_wire_compatibility_version":  "2.19.0",
			"minimum_index_compatibility_version": "2.0.0",
		},
		"tagline": "The OpenSearch Project: https://opensearch.org/ (answered by Sparrow's OpenSearch dialect)",
	})
}

// health answers GET /_cluster/health: green while every index opens.
func (r *request) health() {
	status := "green"
	if len(r.s.cat.Broken()) > 0 {
		status = "red"
	}
	n := len(r.s.cat.Names())
	r.writeJSON(200, map[string]any{
		"cluster_name": "sparrow", "status": status, "timed_out": false, "number_of_nodes": 1,
		"number_of_data_nodes": 1, "active_primary_shards": n, "active_shards": n, "relocating_shards": 0,
		"initializing_shards": 0, "unassigned_shards": 0, "delayed_unassigned_shards": 0,
		"number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
		"active_shards_percent_as_number": 100.0,
	})
}

// createIndex answers PUT /{index}: the mapping is kept in the collection's
// manifest, written atomically with the index.
func (r *request) createIndex() {
	if e := validIndexName(r.index); e != nil {
		r.fail(e)
		return
	}
	body, e := r.shapedBody()
	if e != nil {
		r.fail(e)
		return
	}
	m, err := parseIndexBody(body)
	if err != nil {
		r.failErr(err)
		return
	}
	raw := bytes.TrimSpace(marshal(m, false))
	_, err = r.s.cat.Create(r.index, collection.Options{Meta: map[string]json.RawMessage{MetaKey: raw}})
	if errors.Is(err, collection.ErrExists) {
		r.fail(indexExists(r.index))
		return
	}
	if err != nil {
		r.failErr(err)
		return
	}
	r.s.log.Info("created index", "index", r.index, "vector_field", m.Vector, "title", m.Title, "text", m.Text)
	r.writeJSON(200, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": r.index})
}

// indexExists answers HEAD /{index}.
func (r *request) indexExists() {
	if _, _, e := r.collection(r.index); e != nil {
		r.fail(e)
		return
	}
	r.writeJSON(200, nil)
}

// getIndex answers GET /{index}: aliases, mappings, settings.
func (r *request) getIndex() {
	c, m, e := r.collection(r.index)
	if e != nil {
		r.fail(e)
		return
	}
	r.writeJSON(200, map[string]any{r.index: map[string]any{
		"aliases": map[string]any{}, "mappings": m.mappings(), "settings": indexSettings(r.index, c, m),
	}})
}

// indexSettings are the settings GET /{index} shows: those given at
// creation, with the ones every index has.
func indexSettings(name string, c *collection.Collection, m *Mapping) map[string]any {
	given := map[string]any{}
	if len(m.Settings) > 0 {
		json.Unmarshal(m.Settings, &given)
	}
	flat := map[string]any{}
	flatten("", given, flat)
	idx := map[string]any{}
	for k, v := range flat {
		if len(k) > 6 && k[:6] == "index." {
			k = k[6:]
		}
		idx[k] = v
	}
	created := time.Now()
	if t, err := time.Parse(time.RFC3339, c.Manifest().Created); err == nil {
		created = t
	}
	idx["provided_name"] = name
	idx["uuid"] = indexUUID(name)
	idx["number_of_shards"] = "1"
	idx["number_of_replicas"] = "0"
	idx["creation_date"] = created.UnixMilli()
	idx["version"] = map[string]any{"created": "sparrow"}
	if m.SearchPipeline != "" {
		idx["search.default_pipeline"] = m.SearchPipeline
	}
	return map[string]any{"index": idx}
}

// deleteIndex answers DELETE /{index}.
func (r *request) deleteIndex() {
	if _, _, e := r.collection(r.index); e != nil {
		r.fail(e)
		return
	}
	if err := r.s.cat.Drop(r.index); err != nil {
		r.failErr(err)
		return
	}
	r.s.log.Info("deleted index", "index", r.index)
	r.writeJSON(200, map[string]any{"acknowledged": true})
}

// refresh answers _refresh: every acknowledged write is already searchable
// (a write returns after its batch is durable and visible), so there is
// nothing to do but check the index exists.
func (r *request) refresh() {
	if r.index != "" {
		if _, _, e := r.collection(r.index); e != nil {
			r.fail(e)
			return
		}
	}
	r.writeJSON(200, map[string]any{"_shards": shards})
}

// getMapping answers GET /{index}/_mapping.
func (r *request) getMapping() {
	_, m, e := r.collection(r.index)
	if e != nil {
		r.fail(e)
		return
	}
	r.writeJSON(200, map[string]any{r.index: map[string]any{"mappings": m.mappings()}})
}

// putMapping answers PUT /{index}/_mapping: new filter fields may be added;
// the vector and text fields are fixed at creation, as OpenSearch keeps a
// field's type once mapped.
func (r *request) putMapping() {
	c, m, e := r.collection(r.index)
	if e != nil {
		r.fail(e)
		return
	}
	body, e := r.shapedBody()
	if e != nil {
		r.fail(e)
		return
	}
	top, err := decodeObject(body)
	if err != nil {
		r.failErr(err)
		return
	}
	next := defaultMapping()
	next.Vector, next.Title, next.Text = "", "", ""
	if err := next.setMappings(top, body); err != nil {
		r.failErr(err)
		return
	}
	added := map[string]string{}
	for f, typ := range next.Fields {
		switch old := m.typeOf(f); {
		case old == "":
			added[f] = typ
		case old != typ:
			r.fail(illegalArgument("mapper [%s] cannot be changed from type [%s] to [%s]", f, old, typ))
			return
		}
	}
	for _, f := range []string{next.Title, next.Text} {
		if f != "" && m.typeOf(f) != typeText {
			r.fail(illegalArgument("text field [%s] cannot be added after creation: a Sparrow index's text fields are fixed when it is created", f))
			return
		}
	}
	if next.Vector != DefaultVectorField && next.Vector != m.Vector {
		r.fail(illegalArgument("rank_features field [%s] cannot be added: the index's vector field is [%s]", next.Vector, m.Vector))
		return
	}
	if len(added) > 0 {
		if _, e := r.s.updateMapping(r.index, c, added); e != nil {
			r.fail(e)
			return
		}
	}
	r.writeJSON(200, map[string]any{"acknowledged": true})
}

// shapedBody is a JSON request body whose structure passed checkShape.
func (r *request) shapedBody() ([]byte, *Error) {
	body, e := r.body(false)
	if e == nil {
		e = r.checkShape(body)
	}
	return body, e
}

// checkShape bounds a JSON body's structure before it is decoded
// (server.CheckShape, the /v1 API's guard).
func (r *request) checkShape(body []byte) *Error {
	if err := checkBodyShape(body, r.s.opts.Limits); err != nil {
		return parsingError("%v", err)
	}
	return nil
}
