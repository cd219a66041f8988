package teachers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/sparrow-search/sparrow/dataset"
)

// ltrCacheFile is what the LTR cache stores: the trained models, not the data
// (nor the query folds, which follow from the query ids).
type ltrCacheFile struct {
	Key   string  `json:"key"`
	Full  *GBDT   `json:"full"`
	Folds []*GBDT `json:"folds"`
	OOF   float64 `json:"oof"`
}

// ltrCacheKey hashes everything training depends on: features, options,
// corpus, training queries and their judgments.
func ltrCacheKey(feat *Features, queries []dataset.Query, qrels dataset.Qrels, corpus []dataset.Doc, opts LTROptions) string {
	h := sha256.New()
	o := opts
	o.Progress = nil
	o.CacheDir = ""
	o.GBDT.defaults()                                              // the effective settings, so a changed default changes the key
	fmt.Fprintf(h, "v3|%q|%+v|%d\n", feat.Names(), o, len(corpus)) // v3: constant features normalise to 1 (fusion)
	for _, d := range corpus {
		fmt.Fprintf(h, "%q|%q|%q\n", d.ID, d.Title, d.Text)
	}
	for _, q := range queries {
		fmt.Fprintf(h, "%q|%q|", q.ID, q.Text)
		ids := make([]string, 0, len(qrels[q.ID]))
		for id := range qrels[q.ID] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(h, "%q=%d,", id, qrels[q.ID][id])
		}
		fmt.Fprintln(h)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (l *LTR) loadCache(dir, key string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "ltr-"+key[:24]+".json"))
	if err != nil {
		return false
	}
	var c ltrCacheFile
	if json.Unmarshal(b, &c) != nil || c.Key != key || len(c.Folds) != l.opts.Folds {
		return false
	}
	nf := len(l.feat.Names())
	for _, g := range append([]*GBDT{c.Full}, c.Folds...) {
		if !validTrees(g, nf) {
			return false // a damaged file: retrain rather than panic or loop in Predict
		}
	}
	l.full, l.folds, l.OOF = c.Full, c.Folds, c.OOF
	return true
}

func (l *LTR) saveCache(dir, key string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(ltrCacheFile{Key: key, Full: l.full, Folds: l.folds, OOF: l.OOF})
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "ltr-"+key[:24]+".json")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// validTrees reports whether Predict can walk every tree of g on nf features:
// children come after their parent (as buildTree makes them), so no index is
// out of range and no walk loops.
func validTrees(g *GBDT, nf int) bool {
	if g == nil {
		return false
	}
	for _, t := range g.Trees {
		if len(t.Nodes) == 0 {
			return false
		}
		for i, nd := range t.Nodes {
			if nd.Feature < 0 {
				continue
			}
			if nd.Feature >= nf || nd.Left <= i || nd.Right <= i || nd.Left >= len(t.Nodes) || nd.Right >= len(t.Nodes) {
				return false
			}
		}
	}
	return true
}
