package scoring

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// Every function with AVX-512 code ends it with VZEROUPPER
// (archsimd.ClearAVXUpperBits; why: kernel_simd.go). A source check, as
// a timed test could not be one: it reads the SIMD files of this package
// and of the segment package (both build-tagged, so parsed, not compiled
// here).
func TestSIMDKernelsClearUpperBits(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"kernel_simd.go", "../index/segment/unpack_simd.go"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		kernels := 0
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name == "init" {
				continue
			}
			var vector, clears bool
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "archsimd" {
					switch sel.Sel.Name {
					case "ClearAVXUpperBits":
						clears = true
					case "X86": // feature tests run no vector code
					default:
						vector = true
					}
				}
				return true
			})
			if vector {
				kernels++
				if !clears {
					t.Errorf("%s: %s runs vector code but never calls archsimd.ClearAVXUpperBits", path, fn.Name.Name)
				}
			}
		}
		if kernels == 0 {
			t.Errorf("%s: no vector kernels found (the check reads the wrong file?)", path)
		}
	}
}
