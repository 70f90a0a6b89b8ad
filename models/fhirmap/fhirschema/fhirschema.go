// Package fhirschema checks, in tests, that resources the API serves
// validate against the FHIR R4 JSON schema, by running validate.mjs with
// Node.js.
package fhirschema

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Validate fails the test unless every resource validates. It skips the
// test, saying why, where Node.js is not installed.
func Validate(t *testing.T, resources []any) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("Node.js is not installed: install it and run npm ci to check resources against the FHIR R4 JSON schema")
	}
	if len(resources) == 0 {
		t.Fatal("no resources to validate")
	}
	input, err := json.Marshal(resources)
	if err != nil {
		t.Fatal(err)
	}
	_, here, _, _ := runtime.Caller(0)
	cmd := exec.Command(node, filepath.Join(filepath.Dir(here), "validate.mjs"))
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("resources do not validate against the FHIR R4 JSON schema: %v\n%s", err, out)
	}
	t.Log(string(bytes.TrimSpace(out)))
}
