package main

import (
	"fmt"
	"os"
	"time"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/sparse"
)

// reorderCorpus computes a BP order of the built segment's documents
// (segment.ReorderBP on its doc-term graph) and rebuilds the segment in
// that order; the build figures then describe the rebuild, and the
// reordering's own cost is reported apart.
func reorderCorpus(c *corpus, opts segment.Options, rep *Report) error {
	if c.seg.Scale() > 0 && opts.Scale == 0 && rep.Synthetic != nil {
		opts.Scale = c.seg.Scale()
	}
	before := float64(c.seg.InvertedBytes()) / float64(max(1, c.seg.NumPostings()))
	w0, c0 := time.Now(), cputime.Process()
	var g segment.DocTerms
	c.seg.AppendDocTerms(&g, nil)
	order := segment.ReorderBP(&g, segment.BPOptions{})
	g = segment.DocTerms{}
	wall, cpu := time.Since(w0), cputime.Process()-c0
	rep.Reorder = &ReorderReport{Method: "bp", Seconds: wall.Seconds(), CPUSeconds: cpu.Seconds(),
		DocsPerS: float64(len(order)) / cpu.Seconds(), InvertedBytesPerPostingBefore: before}
	fmt.Fprintf(os.Stderr, "BP order of %d docs: %.1fs wall, %.1fs CPU\n", len(order), wall.Seconds(), cpu.Seconds())
	c.seg = nil
	seg, bw, bc, err := buildSegment(source{len(order), c.doc}, order, opts, "")
	if err != nil {
		return err
	}
	c.seg, c.buildWall, c.buildCPU = seg, bw, bc
	// Documents now sit at their new ids: doc(i) must follow.
	doc := c.doc
	c.doc = func(i int) sparse.Vector { return doc(int(order[i])) }
	return nil
}
