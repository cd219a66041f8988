// Package index is Sparrow's durable document store: documents, forward sparse
// vectors and posting segments live in Badger; deletes are a roaring tombstone
// set; committed batches are fsynced before they are acknowledged; readers
// search immutable snapshots so they never block writers.
package index
