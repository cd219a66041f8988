package collection

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/internal/durable"
)

// BuildResult says what Build did.
type BuildResult struct {
	LoadResult
	Model    string        // the manifest's model
	Replaced bool          // an existing collection was replaced (Force)
	Took     time.Duration // wall time of the call
}

// Build makes the collection at dir from src (`indexer build`). The
// collection is built under a temporary name next to dir (.NAME.building)
// and renamed into place only when complete, so dir always holds either
// nothing, the previous collection, or the complete new one; a Catalog
// never serves a half-built collection, and a running searchd keeps serving
// the old one until it notices the replacement.
//
// An interrupted Build resumes where it stopped when called again with the
// same source and model. When dir already holds a collection built from the
// same source, Build does nothing (UpToDate); another collection there, or
// an unfinished build of another source, is refused unless opts.Force.
func Build(ctx context.Context, dir string, src Source, opts BuildOptions) (BuildResult, error) {
	start := time.Now()
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return BuildResult{}, err
	}
	if opts.InMemory || opts.ReadOnly {
		return BuildResult{}, errors.New("collection: Build writes a directory; for an in-memory collection use Create and Load")
	}
	ref, err := modelRef(opts.Model)
	if err != nil {
		return BuildResult{}, err
	}
	res := BuildResult{Model: ref}
	identity := sourceIdentity(src, ref)
	if IsCollectionDir(dir) {
		m, err := ReadManifest(dir)
		switch {
		case err == nil && m.Source == identity && !opts.Force:
			res.UpToDate = true
			res.Took = time.Since(start)
			return res, nil
		case !opts.Force:
			return res, fmt.Errorf("%w: %s holds a collection not built from this source and model; use --force to replace it", ErrExists, dir)
		}
		res.Replaced = true
	}
	tmp, err := buildDir(dir, identity, ref, opts)
	if err != nil {
		return res, err
	}
	c, err := Open(tmp, opts.Options)
	if err != nil {
		return res, err
	}
	res.LoadResult, err = c.Load(ctx, src, opts.LoadOptions)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	if err := replace(tmp, dir); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// buildDir returns the temporary directory of a build of identity: the
// unfinished one of an earlier run to resume, or a new, empty collection.
func buildDir(dir, identity, ref string, opts BuildOptions) (string, error) {
	tmp := buildingDir(dir)
	if IsCollectionDir(tmp) {
		m, err := ReadManifest(tmp)
		if err == nil && m.Source == identity {
			return tmp, nil
		}
		if !opts.Force {
			return "", fmt.Errorf("%s holds an unfinished build of another source or model; use --force to start over", tmp)
		}
	}
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	m := Manifest{Format: 1, Model: ref, Created: time.Now().UTC().Format(time.RFC3339), Source: identity, Analysis: opts.Analysis}
	if err := initDir(tmp, m, opts.Options); err != nil {
		return "", err
	}
	return tmp, nil
}

// replace publishes the complete directory tmp as dir. When dir holds a
// collection, the two are exchanged atomically where the system can
// (renameat2 RENAME_EXCHANGE on Linux), so dir never goes missing. The old
// collection is moved aside (.NAME.replaced-*) and deleted, unless a
// process has it open (a running searchd: its stores write there until it
// closes them, and its catalog deletes it then).
func replace(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return publish(tmp, dir)
	} else if err != nil {
		return err
	}
	if err := durable.SyncTree(tmp); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	aside := fmt.Sprintf("%s-%d-%d", replacedDir(dir), os.Getpid(), time.Now().UnixNano())
	if err := exchange(tmp, dir); err == nil {
		err = os.Rename(tmp, aside) // tmp holds the old collection now
		if err != nil {
			return err
		}
	} else { // no atomic exchange: move the old one aside, then publish
		if err := os.Rename(dir, aside); err != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			return err
		}
	}
	if err := durable.SyncDir(parent); err != nil {
		return err
	}
	if inUse(aside) {
		return nil
	}
	return os.RemoveAll(aside)
}

// isReplaced reports whether path is a collection moved aside by replace.
func isReplaced(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, ".") && strings.Contains(base, ".replaced-")
}
