// Package clinicalsafety holds the manufacturer's hazard log, built into
// the program so that administrators and clinical safety officers read in
// the service the same log the tests check.
package clinicalsafety

import _ "embed"

// HazardLog is hazard-log.md as it was when the program was built.
//
//go:embed hazard-log.md
var HazardLog string
