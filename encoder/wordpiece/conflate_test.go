package wordpiece

import (
	"slices"
	"testing"
)

func tokenNames(tok *Tokenizer, ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tok.Token(id)
	}
	return out
}

func TestPorterConflationClasses(t *testing.T) {
	tok := DefaultTokenizer()
	c, err := NewConflation(tok, ConflatePorter)
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := NewConflation(tok, ConflatePorter); c2 != c {
		t.Error("default tokenizer's conflation rebuilt instead of shared")
	}
	if c.classes() < 1000 {
		t.Errorf("%d stem classes; bert-base-uncased has thousands of inflected words", c.classes())
	}
	id := func(s string) int32 {
		i, ok := tok.ID(s)
		if !ok {
			t.Fatalf("%q not in vocab", s)
		}
		return i
	}
	if got := tokenNames(tok, c.siblings(id("flows"))); !slices.Equal(got, []string{"flow", "flows", "flowing", "flowed"}) {
		t.Errorf("siblings of flows: %v", got)
	}
	for _, s := range []string{"##s", "##ing", "an", "[CLS]", "1990"} {
		if sib := c.siblings(id(s)); sib != nil {
			t.Errorf("%q conflated with %v", s, tokenNames(tok, sib))
		}
	}
	// every class is sorted, has >= 2 members, and its members point back to it
	for k, m := range c.members {
		if len(m) < 2 || !slices.IsSorted(m) {
			t.Fatalf("class %d: %v", k, m)
		}
		for _, id := range m {
			if c.class[id] != int32(k) {
				t.Fatalf("token %d in class %d maps to %d", id, k, c.class[id])
			}
		}
	}
	if c, err := NewConflation(tok, ConflateNone); c != nil || err != nil {
		t.Errorf("none: %v %v", c, err)
	}
	if _, err := NewConflation(tok, "lancaster"); err == nil {
		t.Error("unknown conflation accepted")
	}
}

func TestCountTermsConflation(t *testing.T) {
	tok := DefaultTokenizer()
	c, _ := NewConflation(tok, ConflatePorter)
	skip := tok.ControlMask()
	// "flowchart" is flow ##cha ##rt: its first piece is not the word "flow"
	ids := tok.AppendIDs(nil, "[CLS] Flows flowchart flowing cats")
	got := map[string]float32{}
	first := map[string]int32{}
	tc := CountTerms(ids, skip, c)
	if !slices.IsSorted(tc.IDs) {
		t.Fatalf("ids not ascending: %v", tc.IDs)
	}
	for i, id := range tc.IDs {
		got[tok.Token(id)] = tc.TF[i]
		first[tok.Token(id)] = tc.First[i]
	}
	// flows + flowing pooled (2) for every member; the "flow" piece of
	// flowchart adds 1 to flow only
	want := map[string]float32{"flow": 3, "flows": 2, "flowing": 2, "flowed": 2, "##cha": 1, "##rt": 1, "cats": 1, "cat": 1}
	for w, tf := range want {
		if got[w] != tf {
			t.Errorf("tf(%s) = %v, want %v (all: %v)", w, got[w], tf, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("terms %v, want %v", got, want)
	}
	if _, ok := got["[CLS]"]; ok {
		t.Error("control token counted")
	}
	if first["flowed"] != 1 || first["flow"] != 1 {
		t.Errorf("first positions %v", first)
	}
	// without conflation: plain counts
	plain := CountTerms(ids, skip, nil)
	if len(plain.IDs) != 6 { // flows flow ##cha ##rt flowing cats
		t.Errorf("plain terms %v", tokenNames(tok, plain.IDs))
	}
}

func TestStopwordsSnowball(t *testing.T) {
	tok := DefaultTokenizer()
	if len(snowballStop) != 174 {
		t.Errorf("snowball stop list has %d words, want 174", len(snowballStop))
	}
	stop, err := NewAnalysis(tok, ConflateNone, StopwordsSnowball)
	if err != nil {
		t.Fatal(err)
	}
	got := tokenNames(tok, stop.Count(tok.AppendIDs(nil, "What is the flow of the river?")).IDs)
	slices.Sort(got)
	if want := []string{"?", "flow", "river"}; !slices.Equal(got, want) {
		t.Errorf("terms %v, want %v", got, want)
	}
	// with conflation too: a stop word never comes in as a sibling
	conf, err := NewAnalysis(tok, ConflatePorter, StopwordsSnowball)
	if err != nil {
		t.Fatal(err)
	}
	c := conf.Conflation
	checked := 0
	for _, m := range c.members {
		var stop, other []int32
		for _, id := range m {
			if snowballStop[tok.Token(id)] {
				stop = append(stop, id)
			} else {
				other = append(other, id)
			}
		}
		if len(stop) == 0 || len(other) == 0 {
			continue
		}
		for _, id := range other {
			for _, got := range conf.Count([]int32{id}).IDs {
				if snowballStop[tok.Token(got)] {
					t.Errorf("%q brought in stop word %q", tok.Token(id), tok.Token(got))
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no stem class mixes stop words and other words: the check above checked nothing")
	}
	t.Logf("%d words sharing a stem class with a stop word checked", checked)
	if _, err := DocSkip(tok, "klingon"); err == nil {
		t.Error("unknown stop list accepted")
	}
}
