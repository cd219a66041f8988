package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/sparse"
)

func randomVectors(r *rand.Rand, n, vocab, maxLen int) []sparse.Vector {
	z := rand.NewZipf(r, 1.1, 1, uint64(vocab-1))
	out := make([]sparse.Vector, n)
	for i := range out {
		set := map[int32]bool{}
		k := r.IntN(maxLen + 1)
		for len(set) < k && len(set) < vocab {
			set[int32(z.Uint64())] = true
		}
		out[i] = setVector(r, set, 0.001)
	}
	return out
}

// setVector is the vector of the ids in set, ascending, with random
// weights in [least, least+3).
func setVector(r *rand.Rand, set map[int32]bool, least float32) sparse.Vector {
	var v sparse.Vector
	for id := range set {
		v.IDs = append(v.IDs, id)
	}
	slices.Sort(v.IDs)
	for range v.IDs {
		v.Weights = append(v.Weights, float32(r.Float64()*3)+least)
	}
	return v
}

func build(t testing.TB, vs []sparse.Vector, o Options) *Segment {
	b := NewBuilder(o)
	for i, v := range vs {
		if got := b.Add(v); got != uint32(i) {
			t.Fatalf("Add returned %d, want %d", got, i)
		}
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// buildTweaked builds vs with o after tweak adjusts the builder (a test
// knob), and returns the segment's bytes and its postings.
func buildTweaked(t *testing.T, vs []sparse.Vector, o Options, tweak func(*Builder)) ([]byte, int64) {
	t.Helper()
	b := NewBuilder(o)
	tweak(b)
	for _, v := range vs {
		b.Add(v)
	}
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	data, err := seg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return data, seg.l.Postings
}

// roundTrip encodes s and decodes the bytes again.
func roundTrip(t *testing.T, s *Segment) (*Segment, []byte) {
	t.Helper()
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return s2, data
}

func TestRoundTripAndVector(t *testing.T) {
	t.Parallel()
	for i, o := range []Options{{BMP: true}, {BlockSize: 8, RangeBits: 2, BMP: true}, {BlockSize: 256, RangeBits: 8, Scale: 0.02, BMP: true},
		{}, {BlockSize: 8, Scale: 0.02}} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			t.Parallel()
			checkRoundTripAndVector(t, randomVectors(rand.New(rand.NewPCG(1, uint64(i))), 700, 300, 40), o)
		})
	}
}

func checkRoundTripAndVector(t *testing.T, vs []sparse.Vector, o Options) {
	{
		s := build(t, vs, o)
		s2, data := roundTrip(t, s)
		data2, _ := s2.MarshalBinary()
		if !bytes.Equal(data, data2) {
			t.Fatal("re-marshalled segment differs")
		}
		if s2.HasBMP() != o.BMP || (!o.BMP && s2.BMPBytes() != 0) {
			t.Fatalf("HasBMP %v with BMP %v (%d BMP bytes)", s2.HasBMP(), o.BMP, s2.BMPBytes())
		}
		var postings int64
		for d, v := range vs {
			postings += int64(len(v.IDs))
			got := s2.Vector(uint32(d))
			if !slices.Equal(got.IDs, v.IDs) && !(len(got.IDs) == 0 && len(v.IDs) == 0) {
				t.Fatalf("doc %d ids %v want %v", d, got.IDs, v.IDs)
			}
			for i, w := range v.Weights {
				// |w - q*scale| <= scale/2 for w >= scale/2.
				if math.Abs(float64(w-got.Weights[i])) > float64(s2.Scale())/2*1.0001 && w >= s2.Scale()/2 {
					t.Fatalf("doc %d weight %v dequantised to %v (scale %v)", d, w, got.Weights[i], s2.Scale())
				}
			}
		}
		if s2.NumPostings() != postings || s2.NumDocs() != len(vs) {
			t.Fatalf("counts %d/%d want %d/%d", s2.NumPostings(), s2.NumDocs(), postings, len(vs))
		}
		if v := s2.Vector(uint32(len(vs))); len(v.IDs) != 0 {
			t.Fatal("out-of-range doc has a vector")
		}
		// Every posting list decodes to what the forward index says.
		l := s2.Layout()
		var docs [MaxBlockSize]uint32
		var imps [MaxBlockSize]uint8
		for term := 0; term < l.NumTerms; term++ {
			base := uint32(0)
			var got []uint32
			for b := int(l.TermBlk[term]); b < int(l.TermBlk[term+1]); b++ {
				n := l.TermBlockLen(term, b)
				l.DecodeBlock(b, n, base, docs[:], imps[:])
				got = append(got, docs[:n]...)
				base = docs[n-1] + 1
			}
			var want []uint32
			for d, v := range vs {
				if _, ok := slices.BinarySearch(v.IDs, int32(term)); ok {
					want = append(want, uint32(d))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("term %d postings %v want %v", term, got, want)
			}
		}
	}
}

// A fixed Scale (quantise and invert in Add) and Scale 0 (keep weights
// until Build) give byte-identical segments at the same scale.
func TestStreamingBuildMatchesBuffered(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	vs := randomVectors(r, 900, 400, 50)
	for _, o := range []Options{{BMP: true}, {BlockSize: 16, RangeBits: 3, BMP: true}, {}} {
		a := build(t, vs, o)
		o.Scale = a.Scale()
		b := build(t, vs, o)
		da, _ := a.MarshalBinary()
		db, _ := b.MarshalBinary()
		if !bytes.Equal(da, db) {
			t.Fatalf("%+v: streaming and buffered builds differ", o)
		}
	}
}

// Version 1 (no flags word, BMP always present) still decodes; unknown
// versions are rejected by name.
func TestDecodeVersions(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 8))
	vs := randomVectors(r, 200, 100, 20)
	vs = append(vs, sparse.Vector{IDs: make([]int32, 100), Weights: make([]float32, 100)})
	for i := range 100 { // every id 0..99 present: local term = id, as versions 1 and 2 laid out
		vs[len(vs)-1].IDs[i], vs[len(vs)-1].Weights[i] = int32(i), 1
	}
	s := build(t, vs, Options{BMP: true})
	if l := s.Layout(); l.NumTerms != 100 || l.Terms[99] != 99 {
		t.Fatalf("setup: %d terms", l.NumTerms)
	}
	data, _ := s.MarshalBinary()
	body := data[:len(data)-4]
	hdr := len(magic) + 4 + 3*8 + 3*4                     // up to the flags word
	v1 := slices.Concat(body[:hdr], body[hdr+4+8+4*100:]) // no flags, no Terms
	binary.LittleEndian.PutUint32(v1[len(magic):], 1)
	s1, err := Decode(appendCRC(v1))
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if !s1.HasBMP() || !slices.Equal(s1.Vector(7).IDs, s.Vector(7).IDs) {
		t.Fatal("version 1 segment decoded differently")
	}
	v9 := slices.Clone(body)
	binary.LittleEndian.PutUint32(v9[len(magic):], 9)
	if _, err := Decode(appendCRC(v9)); err == nil || !strings.Contains(err.Error(), "unsupported version 9") {
		t.Fatalf("version 9: err %v", err)
	}
}

func TestBuilderErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    sparse.Vector
		want string
	}{
		{sparse.Vector{IDs: []int32{1}, Weights: nil}, "weights"},
		{sparse.Vector{IDs: []int32{-1}, Weights: []float32{1}}, "negative"},
		{sparse.Vector{IDs: []int32{3, 3}, Weights: []float32{1, 1}}, "ascending"},
		{sparse.Vector{IDs: []int32{3}, Weights: []float32{float32(math.NaN())}}, "non-finite"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			b := NewBuilder(Options{})
			b.Add(sparse.Vector{IDs: []int32{1}, Weights: []float32{1}})
			b.Add(c.v)
			if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: err %v, want %q", c.v, err, c.want)
			}
		})
	}
	if _, err := NewBuilder(Options{BlockSize: 1000}).Build(); err == nil {
		t.Error("oversized block accepted")
	}
	// A non-finite Scale is an error, not a silently empty (NaN) or
	// undecodable (+Inf) segment.
	for _, sc := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		b := NewBuilder(Options{Scale: sc})
		b.Add(sparse.Vector{IDs: []int32{1}, Weights: []float32{1}})
		if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "Scale") {
			t.Errorf("Scale %v: err %v", sc, err)
		}
	}
	// Empty segment works.
	s, err := NewBuilder(Options{}).Build()
	if err != nil || s.NumDocs() != 0 {
		t.Fatal(s, err)
	}
	data, _ := s.MarshalBinary()
	if _, err := Decode(data); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeRejectsCorruption(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2, 2))
	s := build(t, randomVectors(r, 100, 50, 10), Options{})
	data, _ := s.MarshalBinary()
	for i := 0; i < len(data); i += max(1, len(data)/200) {
		bad := slices.Clone(data)
		bad[i] ^= 0x40
		if _, err := Decode(bad); err == nil {
			t.Fatalf("flip at byte %d accepted", i)
		}
	}
	if _, err := Decode(data[:len(data)-1]); err == nil {
		t.Fatal("truncated accepted")
	}
}

// TestDecodeRejectsTooManyDocs: a header (checksum intact) claiming more
// documents than MaxDocs is refused (the headroom below 2^32 that MaxDocs
// promises holds for decoded segments too); MaxDocs itself is accepted.
func TestDecodeRejectsTooManyDocs(t *testing.T) {
	t.Parallel()
	s := build(t, randomVectors(rand.New(rand.NewPCG(5, 5)), 3, 10, 4), Options{})
	data, _ := s.MarshalBinary()
	body := slices.Clone(data[:len(data)-4])
	for _, nd := range []uint64{MaxDocs, MaxDocs + 1, 1 << 32} {
		binary.LittleEndian.PutUint64(body[len(magic)+4:], nd)
		_, err := Decode(appendCRC(body))
		if got, want := err != nil, nd > MaxDocs; got != want {
			t.Errorf("NumDocs %d: err %v, want rejected=%v", nd, err, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 5, 40} {
		s := build(f, randomVectors(r, n, 20, 6), Options{BlockSize: 4, RangeBits: 2})
		data, _ := s.MarshalBinary()
		f.Add(data)
		s = build(f, randomVectors(r, n, 20, 6), Options{BlockSize: 4})
		data, _ = s.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte("SPRWSEG\x00garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			return
		}
		exercise(s)
	})
}

// FuzzDecodeUnchecked bypasses the checksum (recomputing it) so the
// structural validation is exercised too.
func FuzzDecodeUnchecked(f *testing.F) {
	r := rand.New(rand.NewPCG(4, 4))
	s := build(f, randomVectors(r, 30, 20, 6), Options{BlockSize: 4, RangeBits: 2})
	data, _ := s.MarshalBinary()
	f.Add(data[:len(data)-4], uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, body []byte, pos uint16, x byte) {
		if len(body) == 0 {
			return
		}
		body = slices.Clone(body)
		body[int(pos)%len(body)] ^= x
		full := appendCRC(body)
		s, err := Decode(full)
		if err != nil {
			return
		}
		exercise(s)
	})
}

// TermTop holds each term's 10th/100th/1000th largest impact, the same from
// Build and from Decode, and TermTopImpact picks the smallest rank >= k.
func TestTermTop(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for _, o := range []Options{{BMP: true}, {BlockSize: 8, Scale: 0.02}} {
		vs := randomVectors(r, 3000, 60, 40)
		s := build(t, vs, o)
		s2, _ := roundTrip(t, s)
		l, l2 := s.Layout(), s2.Layout()
		if !slices.Equal(l.TermTop, l2.TermTop) {
			t.Fatal("TermTop differs between Build and Decode")
		}
		big := 0
		for term := 0; term < l.NumTerms; term++ {
			var imps []int
			var docs [MaxBlockSize]uint32
			base := uint32(0)
			for b := int(l.TermBlk[term]); b < int(l.TermBlk[term+1]); b++ {
				n := l.TermBlockLen(term, b)
				for _, q := range l.DecodeDocs(b, n, base, docs[:]) {
					imps = append(imps, int(q))
				}
				base = docs[n-1] + 1
			}
			slices.Sort(imps)
			slices.Reverse(imps)
			if len(imps) >= 1000 {
				big++
			}
			for _, k := range []int{1, 10, 11, 100, 1000, 1001} {
				got, ok := l.TermTopImpact(term, k)
				rank := 0
				for _, rr := range TopRanks {
					if rr >= k {
						rank = rr
						break
					}
				}
				want := 0
				if rank > 0 && len(imps) >= rank {
					want = imps[rank-1]
				}
				if int(got) != want || ok != (want > 0) {
					t.Fatalf("term %d (%d postings) k=%d: got %d %v, want %d", term, len(imps), k, got, ok, want)
				}
			}
		}
		if big == 0 {
			t.Fatal("no term with 1000 postings: the test covers nothing at rank 1000")
		}
	}
}

// buildBMP fills the forward index in chunks of docs; any chunk size gives
// the same segment bytes.
func TestBuildBMPChunks(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	vs := randomVectors(r, 2000, 300, 40)
	for _, o := range []Options{{BMP: true}, {BlockSize: 8, RangeBits: 2, BMP: true}, {RangeBits: 8, BMP: true}} {
		want, err := build(t, vs, o).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []int{1, 7, 64, 1000} {
			got, _ := buildTweaked(t, vs, o, func(b *Builder) { b.bmpChunk = c })
			if !bytes.Equal(got, want) {
				t.Fatalf("options %+v: chunk %d docs gives a different segment", o, c)
			}
		}
	}
}

// marshalV2 writes a BMP-less segment in format version 2, whose term
// tables were dense by term id (zero-count entries for the ids between).
func marshalV2(l *Layout) []byte {
	nt := l.TermBound()
	count, tmax, tblk := make([]uint32, nt), make([]uint8, nt), make([]uint32, nt+1)
	for t, id := range l.Terms {
		count[id], tmax[id] = l.TermCount[t], l.TermMax[t]
	}
	for id, t := 0, 0; id < nt; id++ {
		if t < len(l.Terms) && int(l.Terms[t]) == id {
			t++
		}
		tblk[id+1] = l.TermBlk[t]
	}
	b := []byte(magic)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = binary.LittleEndian.AppendUint64(b, uint64(l.NumDocs))
	b = binary.LittleEndian.AppendUint64(b, uint64(nt))
	b = binary.LittleEndian.AppendUint64(b, uint64(l.Postings))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(l.Scale))
	b = binary.LittleEndian.AppendUint32(b, uint32(l.BlockSize))
	b = binary.LittleEndian.AppendUint32(b, uint32(l.RangeBits))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = put32(b, count)
	b = put8(b, tmax)
	b = put32(b, tblk)
	b = put32(b, l.BlkLast)
	b = put8(b, l.BlkMax)
	b = put64(b, l.BlkOff)
	b = put8(b, l.Data[:len(l.Data)-8])
	for range 10 { // the empty BMP arrays
		b = binary.LittleEndian.AppendUint64(b, 0)
	}
	return appendCRC(b)
}

// A version-2 segment with word ids (ids far apart, dense tables with
// zero-count entries between) decodes to the same vectors and lookups.
func TestDecodeVersion2WordIDs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(12, 12))
	vs := randomVectors(r, 300, 200, 20)
	for _, v := range vs {
		for i := range v.IDs {
			if v.IDs[i] >= 100 {
				v.IDs[i] = 30522 + (v.IDs[i]-100)*997
			}
		}
	}
	s := build(t, vs, Options{})
	s2, err := Decode(marshalV2(s.Layout()))
	if err != nil {
		t.Fatal(err)
	}
	if s2.Layout().NumTerms != s.Layout().TermBound() {
		t.Fatalf("version 2 decoded %d terms, want %d (dense)", s2.Layout().NumTerms, s.Layout().TermBound())
	}
	for d := range uint32(len(vs)) {
		a, b := s.Vector(d), s2.Vector(d)
		if !slices.Equal(a.IDs, b.IDs) || !slices.Equal(a.Weights, b.Weights) {
			t.Fatalf("doc %d: %v vs %v", d, a, b)
		}
	}
	for id := range uint32(s.Layout().TermBound() + 10) {
		if a, b := s.Layout().DocFreq(id), s2.Layout().DocFreq(id); a != b {
			t.Fatalf("term %d: df %d vs %d", id, a, b)
		}
	}
}

// Term ids up to the largest an index hands out (2^31-2): the segment's
// size follows its terms, not its largest id, and everything round-trips.
func TestHugeTermIDs(t *testing.T) {
	t.Parallel()
	ids := []int32{0, 7, 30521, 30522, 1 << 20, 1<<31 - 3, 1<<31 - 2}
	var vs []sparse.Vector
	for d := range 300 {
		var v sparse.Vector
		for i, id := range ids {
			if (d+i)%3 != 0 {
				v.IDs = append(v.IDs, id)
				v.Weights = append(v.Weights, float32(1+(d*7+i)%5))
			}
		}
		vs = append(vs, v)
	}
	for _, o := range []Options{{}, {BMP: true}, {BlockSize: 4, RangeBits: 2, BMP: true}} {
		s := build(t, vs, o)
		l := s.Layout()
		if l.NumTerms != len(ids) || l.TermBound() != 1<<31-1 {
			t.Fatalf("%+v: %d terms, bound %d", o, l.NumTerms, l.TermBound())
		}
		// 300 docs x ~4.7 postings: a few KB, not gigabytes of tables by id.
		if s.Bytes() > 20<<10 {
			t.Fatalf("%+v: %d bytes for %d postings", o, s.Bytes(), s.NumPostings())
		}
		s2, _ := roundTrip(t, s)
		for d := range uint32(len(vs)) {
			got := s2.Vector(d)
			if !slices.Equal(got.IDs, vs[d].IDs) || !slices.Equal(got.Weights, s.Vector(d).Weights) {
				t.Fatalf("%+v doc %d: %v, want ids %v", o, d, got, vs[d].IDs)
			}
		}
		for _, id := range []uint32{1, 30520, 30523, 1<<31 - 4, 1<<31 - 1, 1 << 31, ^uint32(0)} {
			if _, ok := s2.Layout().Lookup(id); ok {
				t.Fatalf("absent id %d found", id)
			}
		}
		for i, id := range ids {
			if tt, ok := s2.Layout().Lookup(uint32(id)); !ok || tt != i {
				t.Fatalf("id %d: local %d %v, want %d", id, tt, ok, i)
			}
		}
	}
}

// Lookup agrees with a binary search over Terms for ids spread in every
// way (dense, sparse, clustered, one term).
func TestLookup(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for trial := range 200 {
		n := 1 + r.IntN(300)
		set := map[uint32]bool{}
		span := max(uint32(1)<<(1+r.IntN(31)), uint32(4*n))
		for len(set) < n {
			id := r.Uint32N(span)
			if trial%3 == 0 {
				id = r.Uint32N(uint32(2 * n)) // clustered low ids
			}
			set[id&math.MaxInt32] = true
		}
		var l Layout
		for id := range set {
			l.Terms = append(l.Terms, id)
		}
		slices.Sort(l.Terms)
		l.buildDir()
		if len(l.dir) > len(l.Terms)+1 {
			t.Fatalf("directory of %d entries for %d terms", len(l.dir), len(l.Terms))
		}
		for range 500 {
			id := r.Uint32N(span + 10)
			if r.IntN(2) == 0 {
				id = l.Terms[r.IntN(len(l.Terms))] + uint32(r.IntN(3)) - 1
			}
			want, ok := slices.BinarySearch(l.Terms, id)
			got, gok := l.Lookup(id)
			if ok != gok || (ok && got != want) {
				t.Fatalf("trial %d id %d: %d %v, want %d %v", trial, id, got, gok, want, ok)
			}
		}
	}
}

// Dense impact tables go to the terms in >= 3/4 of the documents, then,
// most documents first, to terms in >= 1/4 of them within the budget
// (the segment's bytes up to denseBytesPerPosting); they hold exactly the
// lists, survive a round trip, and are counted in Bytes.
func TestDenseImpacts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		opts        Options
		midOneIn    int // terms 4..39 are in one document in midOneIn
		wantBudget  bool
		wantTables4 bool // some term past the first four gets a table
	}{
		{"few mid terms", Options{}, 5, false, false}, // mid terms in ~1/5 of the docs: below 1/4
		{"budget cuts", Options{}, 2, true, true},     // mid terms in ~1/2: the budget stops the tables
		// Blocks of 4 postings: the inverted index alone is over the
		// budget, and only the terms in 3/4 of the docs get tables.
		{"no budget", Options{BlockSize: 4}, 2, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 400
			r := rand.New(rand.NewPCG(31, 31))
			var vs []sparse.Vector
			for range n {
				var v sparse.Vector
				for id := range int32(40) {
					if id < 4 && r.IntN(10) != 0 || id >= 4 && r.IntN(tc.midOneIn) == 0 {
						v.IDs = append(v.IDs, id)
						v.Weights = append(v.Weights, float32(r.Float64()*3)+0.01)
					}
				}
				vs = append(vs, v)
			}
			s := build(t, vs, tc.opts)
			data, _ := s.MarshalBinary()
			s2, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if s2.Bytes() != s.Bytes() || s.Bytes() < s.InvertedBytes()+4*n {
				t.Fatalf("bytes %d / %d, inverted %d", s.Bytes(), s2.Bytes(), s.InvertedBytes())
			}
			for _, seg := range []*Segment{s, s2} {
				l := seg.Layout()
				const per = n + denseTermBytes // a table's bytes
				var count int64
				for term := range l.NumTerms {
					if l.DenseImpacts(term) != nil {
						count++
					}
				}
				budget := int64(denseBytesPerPosting*float64(seg.NumPostings())) - (seg.Bytes() - count*per)
				// Terms by postings, most first: tables form a prefix.
				order := make([]int, l.NumTerms)
				for i := range order {
					order[i] = i
				}
				slices.SortStableFunc(order, func(a, b int) int { return int(l.TermCount[b]) - int(l.TermCount[a]) })
				var tables, always int64
				cut, later := false, false
				for _, term := range order {
					tab := l.DenseImpacts(term)
					df := l.TermCount[term]
					switch {
					case 4*df >= 3*n && tab == nil:
						t.Fatalf("term %d in %d of %d docs: no table", term, df, n)
					case 4*df < n && tab != nil:
						t.Fatalf("term %d in %d of %d docs: a table", term, df, n)
					case tab != nil && cut:
						t.Fatalf("term %d has a table after a term with more postings had none", term)
					case tab == nil && 4*df >= n && !cut:
						cut = true
						if tables+per <= budget {
							t.Fatalf("term %d left out with %d of %d budget bytes spent", term, tables, budget)
						}
					}
					if tab == nil {
						continue
					}
					tables += per
					if 4*df >= 3*n {
						always += per
					}
					later = later || term >= 4
					want := make([]uint8, n)
					l.termPostings(term, func(d uint32, imp uint8) { want[d] = imp })
					if !slices.Equal(tab, want) {
						t.Fatalf("term %d: table differs from its list", term)
					}
				}
				if tables > max(budget, always) {
					t.Fatalf("tables %d bytes, budget %d, tables of terms in 3/4 of the docs %d", tables, budget, always)
				}
				if cut != tc.wantBudget || later != tc.wantTables4 {
					t.Fatalf("budget cut %v (want %v), tables past the first four terms %v (want %v)", cut, tc.wantBudget, later, tc.wantTables4)
				}
			}
		})
	}
}

// exercise reads everything a decoded segment derives (fuzz targets: a
// segment that decodes must never panic).
func exercise(s *Segment) {
	for d := 0; d < s.NumDocs(); d++ {
		s.Vector(uint32(d))
	}
	l := s.Layout()
	for t, id := range l.Terms {
		if got, ok := l.Lookup(id); !ok || got != t {
			panic("Lookup disagrees with Terms")
		}
		l.Lookup(id + 1)
		l.DenseImpacts(t)
	}
}
