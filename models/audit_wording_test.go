package models_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"healthpassport/models"
)

// TestEveryAuditActionHasWording walks the audit action constants and fails
// for any that the audit log would show as "Other activity".
func TestEveryAuditActionHasWording(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "audit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := 0
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			value := spec.(*ast.ValueSpec)
			for i, name := range value.Names {
				if !strings.HasPrefix(name.Name, "Audit") {
					continue
				}
				action, err := strconv.Unquote(value.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				actions++
				if models.AuditWording(action) == "Other activity" {
					t.Errorf("%s (%q) has no wording", name.Name, action)
				}
			}
		}
	}
	if actions < 30 {
		t.Fatalf("found %d audit actions in audit.go; the constants have moved", actions)
	}
}

// TestAuditActionsAreNamedConstants fails when code writes an audit entry
// with an action spelt out, which the wording catalogue would not know.
func TestAuditActionsAreNamedConstants(t *testing.T) {
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			continue
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(node ast.Node) bool {
			switch node := node.(type) {
			case *ast.KeyValueExpr:
				if key, ok := node.Key.(*ast.Ident); ok && key.Name == "Action" && speltOut(node.Value) {
					t.Errorf("%s: audit action is not a named constant", fset.Position(node.Pos()))
				}
			case *ast.CallExpr:
				// refuse(c, attempt, action, message) audits a refused code.
				if sel, ok := node.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "refuse" && len(node.Args) == 4 && speltOut(node.Args[2]) {
					t.Errorf("%s: audit action is not a named constant", fset.Position(node.Pos()))
				}
			}
			return true
		})
	}
}

// speltOut reports whether an action is written out in place, as a string
// or one put together, rather than named.
func speltOut(expr ast.Expr) bool {
	switch expr.(type) {
	case *ast.BasicLit, *ast.BinaryExpr:
		return true
	}
	return false
}
