package index

import "encoding/binary"

// Key layout (one Badger keyspace, namespaced by the first byte):
//
//	"M"                          manifest: the commit point (live segments, generation)
//	"m" key                      meta value
//	"S" seg(8) "b" chunk(4)      segment blob (segment.MarshalBinary), 512 KiB chunks
//	"S" seg(8) "i" chunk(4)      id list: local doc -> external id and record key
//	"S" seg(8) "f" chunk(4)      field index (field=value -> roaring set of local docs)
//	"S" seg(8) "t"               tombstones: roaring set of deleted local docs
//	"S" seg(8) "w" chunk(4)      words: document lengths, texts of the segment's word term ids
//	"D" origin(4) local(4)       document record (stored fields + exact vector)
//	"X" gen(8)                   record keys a compaction dropped, deleted later
//
// Everything about a segment shares the prefix "S"+seg, so a segment that is
// not (or no longer) in the manifest is removed with one range delete.
// Document records are keyed by the segment that first wrote them (origin)
// and never move: a merged segment's id list points at its documents'
// records, so compaction does not rewrite them. Records a merge drops are
// listed under "X" in the merge's commit and deleted once no snapshot can
// read them (or on the next Open). All integers are big-endian so keys sort
// numerically.
const (
	prefixSeg  = 'S'
	prefixMeta = 'm'
	prefixDoc  = 'D'
	prefixDrop = 'X'

	kindBlob   = 'b'
	kindIDs    = 'i'
	kindFields = 'f'
	kindTomb   = 't'
	kindWords  = 'w'

	// chunkSize cuts large blobs into values Badger handles well (value log
	// entries, small against ValueLogFileSize and transaction limits).
	// In memory every value must stay below Badger's value threshold,
	// whose largest allowed setting is 1 MiB (values at least that long
	// would go to a value log an in-memory store does not have), so chunks
	// are half of that. Readers take chunks of any size.
	chunkSize = 1 << 19
)

var manifestKey = []byte("M")

func segPrefix(seg uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixSeg}, seg)
}

func segKey(seg uint64, kind byte, n uint32) []byte {
	k := make([]byte, 0, 14)
	k = append(k, prefixSeg)
	k = binary.BigEndian.AppendUint64(k, seg)
	k = append(k, kind)
	return binary.BigEndian.AppendUint32(k, n)
}

func tombKey(seg uint64) []byte { return append(segPrefix(seg), kindTomb) }

// recKey names a document record: origin segment and local doc there.
func recKey(origin uint64, local uint32) uint64 { return origin<<32 | uint64(local) }

func docKey(rec uint64) []byte { return binary.BigEndian.AppendUint64([]byte{prefixDoc}, rec) }

// docOriginPrefix is the prefix of all records first written by segment seg.
func docOriginPrefix(seg uint64) []byte {
	return binary.BigEndian.AppendUint32([]byte{prefixDoc}, uint32(seg))
}

func dropKey(gen uint64) []byte { return binary.BigEndian.AppendUint64([]byte{prefixDrop}, gen) }

// maxSegID keeps segment ids in the 32 bits a record key gives them.
const maxSegID = 1<<32 - 1

func metaKey(key string) []byte { return append([]byte{prefixMeta}, key...) }

// kv is one pending write.
type kv struct{ k, v []byte }

// appendChunks cuts blob into chunk values under seg/kind.
func appendChunks(dst []kv, seg uint64, kind byte, blob []byte) []kv {
	for i := 0; len(blob) > 0; i++ {
		n := min(len(blob), chunkSize)
		dst = append(dst, kv{segKey(seg, kind, uint32(i)), blob[:n:n]})
		blob = blob[n:]
	}
	return dst
}
