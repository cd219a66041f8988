package encoder

import "testing"

// The bundled default model must not zero ordinary words its training
// collection (SciFact) never needed, nor drop query words SciFact's documents
// lack (docs/RESULTS.md "Default model: generalisation").
func TestDefaultModelKeepsOrdinaryWords(t *testing.T) {
	m, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	const text = "Ocean currents move warm water across the ocean."
	v, err := m.Encoder.Encode([]string{text})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float32{}
	for i, id := range v[0].IDs {
		got[m.Tokenizer.Token(id)] = v[0].Weights[i]
	}
	for _, w := range []string{"ocean", "currents", "move", "warm", "water", "across"} {
		if got[w] <= 0 {
			t.Errorf("%q: document weight %v, want > 0 (encoded %v)", w, got[w], got)
		}
	}
	const query = "aircraft compiler volcano guitar"
	uniq := map[int32]bool{}
	for _, id := range m.Tokenizer.AppendIDs(nil, query) {
		uniq[id] = true
	}
	if q := m.IDF.Query(m.Tokenizer, query); q.Len() != len(uniq) {
		t.Errorf("query keeps %d of its %d tokens (idf.json must cover tokens the training corpus lacks)", q.Len(), len(uniq))
	}
}
