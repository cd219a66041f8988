package opensearch

import (
	"errors"
	"fmt"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/server"
)

// Error is an error in OpenSearch's shape: a type such as
// index_not_found_exception, a reason, the HTTP status, and the extra
// members some types carry (index, index_uuid, resource.id, ...).
type Error struct {
	Status int
	Type   string
	Reason string
	Extra  map[string]any // more members of the cause ("index", "line", ...)
	Cause  *Error         // caused_by
}

func (e *Error) Error() string { return e.Type + ": " + e.Reason }

// errorf is an Error of status and type with a formatted reason.
func errorf(status int, typ, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Reason: fmt.Sprintf(format, args...)}
}

// with adds an extra member and returns e.
func (e *Error) with(key string, v any) *Error {
	if e.Extra == nil {
		e.Extra = map[string]any{}
	}
	e.Extra[key] = v
	return e
}

// The errors OpenSearch answers for the cases a client checks by type.
func parsingError(format string, args ...any) *Error {
	return errorf(400, "parsing_exception", format, args...)
}

func illegalArgument(format string, args ...any) *Error {
	return errorf(400, "illegal_argument_exception", format, args...)
}

func indexNotFound(name string) *Error {
	return errorf(404, "index_not_found_exception", "no such index [%s]", name).
		with("index", name).with("index_uuid", "_na_").with("resource.id", name).with("resource.type", "index_or_alias")
}

func indexExists(name string) *Error {
	return errorf(400, "resource_already_exists_exception", "index [%s/%s] already exists", name, indexUUID(name)).
		with("index", name).with("index_uuid", indexUUID(name))
}

func invalidIndexName(name, why string) *Error {
	return errorf(400, "invalid_index_name_exception", "Invalid index name [%s], %s", name, why).
		with("index", name).with("index_uuid", "_na_")
}

func versionConflict(index, id string) *Error {
	return errorf(409, "version_conflict_engine_exception", "[%s]: version conflict, document already exists (current version [1])", id).
		with("index", index).with("shard", "0").with("index_uuid", indexUUID(index))
}

// body is the JSON of an error response: {"error": {...}, "status": N}.
func (e *Error) body() map[string]any {
	return map[string]any{"error": e.object(true), "status": e.Status}
}

// object is the error's JSON object; top-level objects repeat themselves
// as the single root cause, as OpenSearch's do.
func (e *Error) object(root bool) map[string]any {
	o := map[string]any{"type": e.Type, "reason": e.Reason}
	for k, v := range e.Extra {
		o[k] = v
	}
	if e.Cause != nil {
		o["caused_by"] = e.Cause.object(false)
	}
	if root {
		cause := map[string]any{"type": e.Type, "reason": e.Reason}
		for k, v := range e.Extra {
			cause[k] = v
		}
		o["root_cause"] = []any{cause}
	}
	return o
}

// asError turns any error of the collection layer into an OpenSearch error:
// the status is server.ErrorStatus's (one mapping for every dialect), the
// type the one OpenSearch uses for that class.
func asError(err error, index string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, collection.ErrNotFound) {
		return indexNotFound(index)
	}
	status, msg := server.ErrorStatus(err)
	typ := "exception"
	switch {
	case status == 400:
		typ = "illegal_argument_exception"
	case status == 403:
		typ = "cluster_block_exception"
		msg = "index [" + index + "] blocked by: [FORBIDDEN/8/index write (api)]; " + msg
	case status == 404:
		return indexNotFound(index)
	case status == 413:
		typ = "content_too_long_exception"
	case status == 503:
		typ = "unavailable_shards_exception"
	case status == 507:
		typ = "cluster_block_exception"
	}
	return &Error{Status: status, Type: typ, Reason: msg}
}
