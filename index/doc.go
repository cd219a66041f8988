// Package index is Sparrow's durable document store: documents, forward sparse
// vectors and posting segments live in Badger; deletes are a roaring tombstone
// set; committed batches are fsynced before they are acknowledged; readers
// search immutable snapshots so they never block writers.
//
// Design (Lucene-like segments in one Badger keyspace, see keys.go):
//
//   - Apply validates a Batch, builds one immutable segment (index/segment)
//     from its upserts, tombstones the older versions of every upserted or
//     deleted id, and commits. The commit point is the manifest key (the list
//     of live segments), written with the touched tombstone sets in one
//     transaction; a segment's data lives under a fresh segment id that no
//     manifest names until then, so a crash leaves either the whole batch or
//     none of it, and Open deletes unreferenced leftovers. Concurrent Apply
//     calls are group-committed (one transaction, one fsync).
//   - Snapshot is an atomic pointer swap: segments, live sets (complement of
//     tombstones), id lists and field indexes, all immutable.
//   - A background merger (tiered policy, Options) and Compact rewrite
//     segments without their deleted documents and switch the manifest
//     atomically; deletes committed during a merge are carried over. Document
//     records are never rewritten: segments point at them by key.
//   - Segments smaller than Options.MinBlobDocs store no serialised blob and
//     are rebuilt from their records on Open.
//
// Faults (see errors.go; callers test them with errors.Is):
//
//   - Every record carries a CRC-32C (codec.go), the manifest pins each
//     segment's tombstones and holds the meta keys, Badger's own value and
//     block checksums are on, and a commit mark catches a store that came
//     back at an older commit. A damaged record is ErrCorrupt naming it —
//     never a panic (reads recover from Badger's), never altered data.
//     Before Badger opens a store, checkTables and checkLogs look for the
//     damage Badger would crash on or silently truncate away (badgerlog.go).
//     Verify walks everything and lists every problem.
//   - Badger writes through sparse memory-mapped files, so a full disk
//     would be SIGBUS; a statfs guard (space.go) refuses writes with
//     ErrNoSpace first. Reads go on; writes resume when space returns; Open
//     on a full disk opens read-only and switches back by itself. I/O faults
//     are ErrIO and stop writes until reopen.
package index
