package indexdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if IsIndexDir(dir) {
		t.Fatal("empty directory taken for an index")
	}
	m, err := ReadManifest(dir)
	if err != nil || m.Model != DefaultModel || m.Format != 1 {
		t.Fatalf("missing manifest: %+v, %v; want the default model", m, err)
	}
	want := Manifest{Format: 1, Model: "/models/x", Created: "2026-11-28T00:00:00Z"}
	if err := WriteManifest(dir, want); err != nil {
		t.Fatal(err)
	}
	if !IsIndexDir(dir) {
		t.Fatal("directory with a manifest not taken for an index")
	}
	if got, err := ReadManifest(dir); err != nil || got != want {
		t.Fatalf("read %+v, %v; want %+v", got, err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile+".tmp")); !os.IsNotExist(err) {
		t.Fatalf("temp file left behind: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"model": `), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), ManifestFile) {
		t.Fatalf("torn manifest: error %v does not name the file", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadManifest(dir); err != nil || got.Model != DefaultModel {
		t.Fatalf("manifest without a model: %+v, %v", got, err)
	}
}
