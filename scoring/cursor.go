package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// NoMore is the doc id of an exhausted cursor.
const NoMore = ^uint32(0)

// Cursor walks one term's posting list in doc-id order. Scores are integer
// (quantised query weight times 8-bit impact); see Search.
type Cursor interface {
	// Doc is the current doc, NoMore when exhausted.
	Doc() uint32
	// Next moves to the next posting.
	Next()
	// NextGEQ moves to the first posting with doc >= d.
	NextGEQ(d uint32)
	// Score is the current posting's integer score.
	Score() int32
	// MaxScore bounds Score over the whole list.
	MaxScore() int32
	// NextShallow moves the block pointer to the block that may hold d
	// without decoding it; BlockMax and BlockLast then describe that block.
	NextShallow(d uint32)
	// BlockMax bounds Score over the current block.
	BlockMax() int32
	// BlockLast is the last doc of the current block (NoMore past the end).
	BlockLast() uint32
}

var _ Cursor = (*postingCursor)(nil)

// postingCursor is the Cursor over a segment's bitpacked inverted blocks.
type postingCursor struct {
	l        *segment.Layout
	t        int
	w        int32
	maxScore int32
	blk, end int // current (shallow) block, term's end block
	dec      int // decoded block, -1 none
	n, i     int
	doc      uint32
	docs     [segment.MaxBlockSize]uint32
	imps     []uint8 // the decoded block's impacts, in place
}

func (c *postingCursor) reset(l *segment.Layout, q qterm) {
	c.l, c.t, c.w = l, int(q.t), q.w
	c.maxScore = q.w * int32(l.TermMax[q.t])
	c.blk, c.end = int(l.TermBlk[q.t]), int(l.TermBlk[q.t+1])
	c.dec = -1
	c.decode()
	c.i = 0
	c.doc = c.docs[0]
}

func (c *postingCursor) decode() {
	base := uint32(0)
	if c.blk > int(c.l.TermBlk[c.t]) {
		base = c.l.BlkLast[c.blk-1] + 1
	}
	c.n = c.l.TermBlockLen(c.t, c.blk)
	c.imps = c.l.DecodeDocs(c.blk, c.n, base, c.docs[:])
	c.dec = c.blk
}

func (c *postingCursor) Doc() uint32     { return c.doc }
func (c *postingCursor) Score() int32    { return c.w * int32(c.imps[c.i]) }
func (c *postingCursor) MaxScore() int32 { return c.maxScore }

func (c *postingCursor) Next() {
	c.i++
	if c.i < c.n {
		c.doc = c.docs[c.i]
		return
	}
	c.enter(c.dec + 1)
}

// enter moves to block b, decoded, at its first posting (past the end:
// exhausted) and reports whether b is a block of the list.
func (c *postingCursor) enter(b int) bool {
	c.blk = b
	if b >= c.end {
		c.doc = NoMore
		return false
	}
	c.decode()
	c.i = 0
	c.doc = c.docs[0]
	return true
}

func (c *postingCursor) NextShallow(d uint32) {
	for c.blk < c.end && c.l.BlkLast[c.blk] < d {
		c.blk++
	}
}

func (c *postingCursor) BlockMax() int32 {
	if c.blk >= c.end {
		return 0
	}
	return c.w * int32(c.l.BlkMax[c.blk])
}

func (c *postingCursor) BlockLast() uint32 {
	if c.blk >= c.end {
		return NoMore
	}
	return c.l.BlkLast[c.blk]
}

func (c *postingCursor) NextGEQ(d uint32) {
	if c.doc >= d {
		return
	}
	if c.l.BlkLast[c.dec] < d {
		// The shallow pointer may be ahead of the decoded block; blocks
		// before it were skipped for a target <= d only if their last < d.
		b := c.dec + 1
		if c.blk > b && c.l.BlkLast[c.blk-1] < d {
			b = c.blk
		}
		if !c.enter(c.skipBlocks(b, d)) {
			return
		}
	} else if c.blk < c.dec {
		c.blk = c.dec
	}
	// d <= the block's last doc, so some docs[j] >= d. The next doc is
	// checked first (DAAT algorithms step); farther targets (probes from
	// sparse candidates) are binary-searched without a branch on the
	// data (lowerBound; scanning up to 8 docs first cost a mispredicted
	// loop exit per probe).
	i := c.i
	if c.docs[i] < d { // not the first doc of a block just entered
		i++ // docs[i-1] < d <= the block's last doc: i < n
		if c.docs[i] < d {
			i = lowerBound(&c.docs, i+1, c.n, d)
		}
	}
	c.i = i
	c.doc = c.docs[i]
}

// seek is NextGEQ for targets that ascend in small steps (the admitted
// docs of a filter): within the decoded block it gallops from the
// current posting (1, 2, 4, ... postings ahead) and halves only the last
// step, where NextGEQ halves the rest of the block: on the 1M light mix
// with 0.1% of the docs admitted, several admitted docs fall in each
// block, and NextGEQ's search was 44% of the time; seek cut the
// strategy's time by 5-13% there and on the heavy mix at 1%.
func (c *postingCursor) seek(d uint32) {
	if c.doc >= d {
		return
	}
	if c.l.BlkLast[c.dec] < d {
		c.NextGEQ(d)
		return
	}
	c.blk = max(c.blk, c.dec)
	// docs[i] < d <= docs[n-1]: gallop to hi with docs[hi] >= d.
	lo, hi, step := c.i+1, c.i+1, 1
	for c.docs[hi] < d {
		lo = hi + 1
		hi = min(hi+step, c.n-1)
		step <<= 1
	}
	i := lowerBound(&c.docs, lo, hi, d)
	c.i, c.doc = i, c.docs[i]
}

// skipBlocks returns the first block at or after b whose last doc is >= d
// (c.end if none): galloping, so that a far target (a sparse candidate
// probing a long list) costs the log of the blocks skipped, not their
// number.
func (c *postingCursor) skipBlocks(b int, d uint32) int {
	last := c.l.BlkLast
	if b >= c.end || last[b] >= d {
		return b
	}
	// last[b] < d: gallop to a block at or past d, then binary search.
	lo, step := b, 1
	for lo+step < c.end && last[lo+step] < d {
		lo += step
		step <<= 1
	}
	hi := min(lo+step, c.end) // last[lo] < d; last[hi] >= d or hi == end
	for lo+1 < hi {
		m := int(uint(lo+hi) >> 1)
		if last[m] < d {
			lo = m
		} else {
			hi = m
		}
	}
	return hi
}

// blockBuf is one decoded block's docs. Algorithms keep one in their
// state rather than on the stack: the per-width decoders are called
// through a table, so a local array escapes and would be allocated (1
// KB, zeroed) per list.
type blockBuf = [segment.MaxBlockSize]uint32

// Vector kernels (rankInBlock) load a block buffer 16 docs at a time, the
// last load past a short block included: its length must be a multiple of 16
// (a compile error here otherwise).
const _ uint = -(segment.MaxBlockSize % 16)

// lowerBound returns the first i in [lo, hi) with docs[i] >= d, or hi:
// halving the range without a branch on the data (the searches of
// NextGEQ, and of DenseMaxScore's merge in the portable build: rankInBlock,
// whose targets fall at random).
// lo..hi lies within one block (hi <= MaxBlockSize).
func lowerBound(docs *blockBuf, lo, hi int, d uint32) int {
	n := hi - lo
	if n <= 0 {
		return hi
	}
	const mask = segment.MaxBlockSize - 1
	for n > 1 {
		half := n >> 1
		// 1 when docs[...] < d: the borrow of a 64-bit difference of
		// 32-bit values (Go's compiler keeps an if here a branch)
		lt := int((uint64(docs[(lo+half-1)&mask]) - uint64(d)) >> 63)
		lo += half & -lt
		n -= half
	}
	return lo + int((uint64(docs[lo&mask])-uint64(d))>>63)
}
