package server

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// encodingJSON is what writeJSON sends for v.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAppendSearchResponseMatchesEncodingJSON(t *testing.T) {
	odd := "tab\there \"quoted\" back\\slash <html> & \u2028\u2029 \x01\x1f\x7f é 漢字 🐦 \xff\xfe bad"
	cases := []searchResponse{
		{Index: "scifact", Mode: "sparse"}, // nil hits -> null
		{Index: "scifact", Mode: "sparse", Hits: []searchHit{}},
		{Index: "i", Mode: "bm25", TookUS: 1234567, Hits: []searchHit{
			{ID: "1", Score: 12.5, Title: "A title"},
			{ID: "2", Score: 0},
			{ID: odd, Score: 1e-7, Title: odd},
			{ID: "big", Score: 1e21},
			{ID: "neg", Score: -3.25e-9},
			{ID: "third", Score: 1.0 / 3},
			{ID: "f32", Score: float64(float32(0.1))},
			{ID: "fields", Score: 2, Fields: map[string]string{"z": "last", "a": "first", odd: odd, "m": ""}},
			{ID: "emptyfields", Score: 2, Fields: map[string]string{}},
		}},
		{Index: "e", Mode: "hybrid", TookUS: -1, Hits: []searchHit{
			{ID: "x", Score: 7.75, Title: "t", Explain: []contribution{
				{Token: "bird", QueryWeight: 1.5, DocWeight: 0.333, Contribution: 0.4995},
				{Token: "##s", QueryWeight: 1e-7, DocWeight: 3e30, Contribution: float32(math.SmallestNonzeroFloat32)},
				{Token: odd, QueryWeight: 0, DocWeight: -0.5, Contribution: 1e21},
			}},
			{ID: "y", Score: 1, Explain: []contribution{}},
			{ID: "s", Score: 2, Title: "Vitamins", Snippet: "… vitamin D " + odd + " …", Highlights: [][2]int{{2, 9}, {10, 11}}, TitleHighlights: [][2]int{{0, 8}}},
			{ID: "s2", Score: 2, Snippet: "x", Highlights: [][2]int{}},
		}, QueryTokens: []tokenWeight{{Token: "bird", Weight: 2.5}, {Token: odd, Weight: 1e-6}, {Token: "z", Weight: 9.99e20}}},
	}
	for i, r := range cases {
		want := encodingJSON(t, &r)
		got := appendSearchResponse(nil, &r)
		if !bytes.Equal(got, want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendJSONFloatNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(appendJSONFloat(nil, f, 64)); got != "0" {
			t.Errorf("%v -> %s, want 0", f, got)
		}
	}
}

// FuzzAppendJSONString: the hand-written encoder agrees with encoding/json
// on every string and float.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\r\t\b\f\x00\x1f", "\u2028\u2029<>&", "\xff\xc3", "é漢🐦", "\xed\xa0\x80"} {
		f.Add(s, 1.5)
	}
	f.Add("x", 1e-7)
	f.Add("x", 1e21)
	f.Add("x", math.Copysign(0, -1))
	f.Fuzz(func(t *testing.T, s string, x float64) {
		want := bytes.TrimSuffix(encodingJSON(t, s), []byte("\n"))
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("string %q: got %s want %s", s, got, want)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		for _, bits := range []int{32, 64} {
			var v any = x
			if bits == 32 {
				v = float32(x)
				if math.IsInf(float64(float32(x)), 0) {
					continue
				}
			}
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			xv := x
			if bits == 32 {
				xv = float64(float32(x))
			}
			if got := appendJSONFloat(nil, xv, bits); !bytes.Equal(got, want) {
				t.Fatalf("float%d %v: got %s want %s", bits, x, got, want)
			}
		}
	})
}

// TestPlain8: every byte value in every lane of a plain word, and pairs of
// bytes that need a look.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	for v := range 256 {
		for lane := range 8 {
			w := []byte("abcdefgh")
			w[lane] = byte(v)
			if got, want := plain8(le64(string(w))), plain(byte(v)); got != want {
				t.Fatalf("byte %#x in lane %d: plain8 = %v, want %v", v, lane, got, want)
			}
		}
	}
	for _, w := range []string{"\x00\x00\x00\x00\x00\x00\x00\x00", "\"\\\"\\\"\\\"\\", "\x1f\x7f\x80\xff\x20\x21\x5b\x5d"} {
		if plain8(le64(w)) {
			t.Errorf("%q: plain8 = true", w)
		}
	}
}
