package memo

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// Every value put is either found with its own value or not found yet
// (pending); a full memo has published everything it holds and never
// exceeds its capacity. Run with -race: readers and writers
// at once.
func TestMemo(t *testing.T) {
	const capacity = 1536
	m := New[int](capacity)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * capacity {
				k := strconv.Itoa(i)
				if v, ok := m.Get([]byte(k)); ok && v != i {
					t.Errorf("goroutine %d: %q -> %d", g, k, v)
					return
				}
				m.Put(k, i)
			}
		})
	}
	wg.Wait()
	if n := m.Len(); n != capacity {
		t.Fatalf("memo holds %d entries, want its capacity %d", n, capacity)
	}
	found := 0
	for i := range 2 * capacity {
		if v, ok := m.Get([]byte(strconv.Itoa(i))); ok {
			if v != i {
				t.Fatalf("%d -> %d", i, v)
			}
			found++
		}
	}
	if found != capacity {
		t.Fatalf("%d entries published, want all %d held", found, capacity)
	}
}

// A pending entry is found at once; one looked up often is published (a
// lookup without the lock) after a bounded number of lookups.
func TestMemoPendingFoundThenPublished(t *testing.T) {
	m := New[string](1000)
	for i := range 100 {
		m.Put(strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	m.Put("hot", "h")
	published := func(k string) bool { _, ok := (*m.read.Load())[k]; return ok }
	if published("hot") {
		t.Fatal("published at once: the test needs it pending")
	}
	for i := 0; !published("hot"); i++ {
		if v, ok := m.Get([]byte("hot")); !ok || v != "h" {
			t.Fatalf("lookup %d of a pending entry: %q %v", i, v, ok)
		}
		if i > 100/8+1 {
			t.Fatalf("still pending after %d lookups", i)
		}
	}
	if _, ok := m.Get([]byte("absent")); ok {
		t.Fatal("found a key never put")
	}
}

func ExampleMemo() {
	square := New[int](1 << 10)
	key := []byte("12")
	v, ok := square.Get(key)
	if !ok {
		n, _ := strconv.Atoi(string(key))
		v = n * n
		square.Put(string(key), v)
	}
	fmt.Println(v)
	// Output: 144
}
