package index

import (
	"log"
	"os"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/sparrow-search/sparrow/index/segment"
)

// Options configures an Index. Start from DefaultOptions and change what you
// need; a zero field of a struct literal means "use the default" for every
// numeric field below.
type Options struct {
	// InMemory keeps everything in RAM (no files; dir is ignored). For tests.
	// Default false.
	InMemory bool

	// SyncWrites fsyncs every commit before Apply/SetMeta return, so an
	// acknowledged batch survives a power loss. Default true. Turning it off
	// trades durability of the last few batches for ingest speed; the index
	// stays consistent (all-or-nothing per batch) either way.
	SyncWrites bool

	// MaxSegmentDocs caps the documents in one segment: a larger batch is cut
	// into several segments (committed atomically together), and compaction
	// never builds a segment above it. Building a segment holds its postings
	// about three times (builder, layout, serialised blob), and a merge
	// builds one segment at a time (Compact merges groups of at most this
	// many live documents), so this bounds a merge's peak memory: a build
	// peaks at about the decoded index plus one merge of this size. Default
	// 1 << 20 (1,048,576 docs: the final merge of a 1M build of ~150
	// non-zeros per doc peaked at 3.9 GB anonymous memory in all, GOGC 25;
	// docs/BENCHMARKS.md, "Served index memory").
	MaxSegmentDocs int

	// MinBlobDocs: a segment with fewer documents is stored without its
	// serialised blob and rebuilt from its document records on Open, so a
	// small batch writes little more than its records. Default 1000;
	// negative: always store blobs.
	MinBlobDocs int

	// CompactionMinSegments is the tier width of the background merge policy:
	// once this many segments fall in the same size tier (sizes within a
	// factor of CompactionMinSegments of each other, above
	// CompactionFloorDocs) they are merged into one. Default 8.
	CompactionMinSegments int

	// CompactionFloorDocs: segments smaller than this all count as one tier,
	// so many tiny batches are merged early. Default 10,000.
	CompactionFloorDocs int

	// CompactionDeletesPct: a segment whose tombstoned fraction exceeds this
	// percentage is rewritten on its own to reclaim space. Default 33.
	CompactionDeletesPct int

	// DisableAutoCompaction turns off the background merger; call Compact
	// yourself. Default false (a merge is considered after every Apply).
	DisableAutoCompaction bool

	// ReadOnly opens the store without writing anything to it: no crash
	// cleanup, no compaction; Apply, SetMeta and Compact return ErrReadOnly.
	// A store that was not closed cleanly cannot be opened read-only (its
	// write-ahead log needs recovery; Open says so). Default false.
	//
	// Independently of this option, Open falls back to read-only when the
	// disk is too full to open the store for writing, and switches back to
	// read-write by itself once space returns (see MinFreeBytes).
	ReadOnly bool

	// MinFreeBytes is the free space a write must leave on the filesystem,
	// on top of what Badger itself may still need (the flush of its
	// memtables and a compaction, both sized from the files on disk). Badger
	// writes through memory-mapped files, and a write into a file's hole on
	// a full disk kills the process with SIGBUS, so the index refuses a
	// write with ErrNoSpace instead of letting Badger run out. The margin
	// also covers other writers on the same filesystem (the bm25 index,
	// logs) between two writes of the index. Default 16 MiB; negative: no
	// margin beyond Badger's own needs.
	MinFreeBytes int64

	// SpaceRetryInterval is how often an index that was opened read-only for
	// lack of space checks whether it can switch to read-write. Default 5 s.
	SpaceRetryInterval time.Duration

	// Segment is passed to segment.NewBuilder for every new segment.
	Segment segment.Options

	// Logger receives Badger's and the index's messages. Default: warnings
	// and errors to stderr.
	Logger badger.Logger

	// Badger sizes, chosen for a 24 GiB machine where segments are decoded
	// into the Go heap and Badger mostly holds documents and blobs.
	//
	// MemTableSize: Default 64 MiB (one transaction holds at most ~15% of it
	// and ~100k entries; larger batches are staged, see Apply).
	MemTableSize int64
	// NumMemtables is how many memtables Badger keeps (one being written,
	// the rest waiting for their flush). Each is a MemTableSize arena in the
	// Go heap, so every one costs about MemTableSize of memory, twice that
	// with the GC's headroom. Default 2 (Badger's own default is 5): writes
	// here are whole batches, fsynced, and seldom outrun a flush.
	NumMemtables int
	// ValueThreshold: values at least this long go to the value log (written
	// once, not rewritten by LSM compaction). Default 1 KiB, so document
	// records and segment chunks live in the value log.
	ValueThreshold int64
	// ValueLogFileSize: Default 256 MiB. Badger garbage-collects only value-log
	// files it has finished writing, so smaller files let the space of
	// compacted-away segments come back sooner.
	ValueLogFileSize int64
	// BlockCacheSize bounds Badger's cache of decompressed table blocks
	// (keys, value pointers, small records), which lives in the Go heap:
	// with the GC's headroom it costs up to twice its size in RSS. The
	// blocks a search reads (the records of hits missing from the
	// collection's own cache of shown fields) are decompressed again on a
	// miss, a few microseconds. Default 32 MiB (Badger's: 256 MiB, which
	// was 0.5 GB of a served 1M index's RSS).
	BlockCacheSize int64
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		SyncWrites:            true,
		MaxSegmentDocs:        1 << 20,
		MinBlobDocs:           1000,
		CompactionMinSegments: 8,
		CompactionFloorDocs:   10000,
		CompactionDeletesPct:  33,
		MemTableSize:          64 << 20,
		ValueThreshold:        1 << 10,
		ValueLogFileSize:      256 << 20,
		NumMemtables:          2,
		BlockCacheSize:        32 << 20,
		MinFreeBytes:          16 << 20,
		SpaceRetryInterval:    5 * time.Second,
	}
}

// withDefaults fills zero numeric fields. SyncWrites and the booleans are
// taken as given: use DefaultOptions to get SyncWrites=true.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxSegmentDocs <= 0 {
		o.MaxSegmentDocs = d.MaxSegmentDocs
	}
	if o.MinBlobDocs < 0 {
		o.MinBlobDocs = 0
	} else if o.MinBlobDocs == 0 {
		o.MinBlobDocs = d.MinBlobDocs
	}
	if o.CompactionMinSegments < 2 {
		o.CompactionMinSegments = d.CompactionMinSegments
	}
	if o.CompactionFloorDocs <= 0 {
		o.CompactionFloorDocs = d.CompactionFloorDocs
	}
	if o.CompactionDeletesPct <= 0 {
		o.CompactionDeletesPct = d.CompactionDeletesPct
	}
	if o.MemTableSize <= 0 {
		o.MemTableSize = d.MemTableSize
	}
	if o.NumMemtables <= 0 {
		o.NumMemtables = d.NumMemtables
	}
	if o.ValueThreshold <= 0 {
		o.ValueThreshold = d.ValueThreshold
	}
	if o.ValueLogFileSize <= 0 {
		o.ValueLogFileSize = d.ValueLogFileSize
	}
	if o.BlockCacheSize <= 0 {
		o.BlockCacheSize = d.BlockCacheSize
	}
	if o.MinFreeBytes < 0 {
		o.MinFreeBytes = 0
	} else if o.MinFreeBytes == 0 {
		o.MinFreeBytes = d.MinFreeBytes
	}
	if o.SpaceRetryInterval <= 0 {
		o.SpaceRetryInterval = d.SpaceRetryInterval
	}
	if o.Logger == nil {
		o.Logger = stderrLogger{log.New(os.Stderr, "index: ", log.LstdFlags)}
	}
	return o
}

// badger maps the options onto Badger's. Badger verifies its own checksums
// too: every value-log entry read (VerifyValueChecksum) and every table
// block read (OnBlockRead; a table's index is verified when it is opened),
// so corruption below our records is an error as well.
func (o Options) badger(dir string, readOnly bool) badger.Options {
	bo := badger.DefaultOptions(dir).
		WithInMemory(o.InMemory).
		WithReadOnly(readOnly && !o.InMemory).
		WithVerifyValueChecksum(true).
		WithChecksumVerificationMode(options.OnBlockRead).
		WithSyncWrites(o.SyncWrites).
		WithMemTableSize(o.MemTableSize).
		WithNumMemtables(o.NumMemtables).
		WithValueThreshold(o.ValueThreshold).
		WithValueLogFileSize(o.ValueLogFileSize).
		WithBlockCacheSize(o.BlockCacheSize).
		WithMetricsEnabled(false).
		WithNumCompactors(2).
		WithLogger(quietCache{o.Logger})
	if o.InMemory {
		// No value log in memory: every value must fit under the threshold.
		bo.Dir, bo.ValueDir = "", ""
		bo = bo.WithValueThreshold(max(o.ValueThreshold, 1<<20))
	}
	return bo
}

// quietCache demotes Badger's minutely "Block cache might be too small"
// warning (and its histogram) to Info: the cache is small on purpose
// (BlockCacheSize), and merges, which read every record once, always miss.
type quietCache struct{ badger.Logger }

func (q quietCache) Warningf(f string, a ...any) {
	if strings.Contains(f, "might be too small") || strings.HasPrefix(f, "Cache life expectancy") {
		q.Infof(f, a...)
		return
	}
	q.Logger.Warningf(f, a...)
}

// stderrLogger drops Badger's chatty Info/Debug lines.
type stderrLogger struct{ l *log.Logger }

func (s stderrLogger) Errorf(f string, a ...any)   { s.l.Printf("ERROR: "+f, a...) }
func (s stderrLogger) Warningf(f string, a ...any) { s.l.Printf("WARNING: "+f, a...) }
func (stderrLogger) Infof(string, ...any)          {}
func (stderrLogger) Debugf(string, ...any)         {}
