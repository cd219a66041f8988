package index

import "encoding/binary"

// Key layout (one Badger keyspace, namespaced by the first byte):
//
//	"M"                          manifest: the commit point (live segments, generation)
//	"m" key                      meta value
//	"S" seg(8) "b" chunk(4)      segment blob (segment.MarshalBinary), 1 MiB chunks
//	"S" seg(8) "i" chunk(4)      external-id list of the segment (local doc -> id)
//	"S" seg(8) "f" chunk(4)      field index (field=value -> roaring set of local docs)
//	"S" seg(8) "d" local(4)      document record (stored fields + exact vector)
//	"S" seg(8) "t"               tombstones: roaring set of deleted local docs
//
// Everything about a segment shares the prefix "S"+seg, so a segment that is
// not (or no longer) in the manifest is removed with one range delete. All
// integers are big-endian so keys sort numerically.
const (
	prefixSeg  = 'S'
	prefixMeta = 'm'

	kindBlob   = 'b'
	kindIDs    = 'i'
	kindFields = 'f'
	kindDoc    = 'd'
	kindTomb   = 't'

	// chunkSize cuts large blobs into values Badger handles well (value log
	// entries, small against ValueLogFileSize and transaction limits).
	chunkSize = 1 << 20
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
