package index

import (
	"fmt"
	"slices"
	"testing"
)

type recLogger struct{ lines []string }

func (r *recLogger) Errorf(f string, a ...any) { r.lines = append(r.lines, "E "+fmt.Sprintf(f, a...)) }
func (r *recLogger) Warningf(f string, a ...any) {
	r.lines = append(r.lines, "W "+fmt.Sprintf(f, a...))
}
func (r *recLogger) Infof(f string, a ...any)  { r.lines = append(r.lines, "I "+fmt.Sprintf(f, a...)) }
func (r *recLogger) Debugf(f string, a ...any) { r.lines = append(r.lines, "D "+fmt.Sprintf(f, a...)) }

// Badger's block-cache warning is demoted (the cache is small on purpose);
// every other warning stays one.
func TestQuietCache(t *testing.T) {
	t.Parallel()
	r := &recLogger{}
	q := quietCache{r}
	q.Warningf("%s might be too small. Metrics: %s\n", "Block cache", "hit-ratio: 0.2")
	q.Warningf("Cache life expectancy (in seconds): %+v\n", 3)
	q.Warningf("disk %s", "slow")
	q.Errorf("bad %d", 1)
	want := []string{"I Block cache might be too small. Metrics: hit-ratio: 0.2\n", "I Cache life expectancy (in seconds): 3\n", "W disk slow", "E bad 1"}
	if !slices.Equal(r.lines, want) {
		t.Fatalf("logged %q, want %q", r.lines, want)
	}
}
