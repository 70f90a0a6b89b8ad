package fhirmap

import (
	"context"

	"healthpassport/models"
	"healthpassport/models/store"
)

// ExportTypes are the resource types a bulk export writes, in order: each
// is a streaming read of the store and the mapping of one row. Another
// type is one more line, once the store streams its rows.
var ExportTypes = []store.ExportType{
	exportType("Patient", (*store.Store).ExportPatients, FromPatient),
	exportType("Condition", (*store.Store).ExportDiagnoses, FromDiagnosis),
	exportType("Observation", (*store.Store).ExportReadings, FromReading),
}

// exportType writes the resource mapped from each row stream reads.
func exportType[Row, R any](resourceType string, stream func(*store.Store, context.Context, models.ExportScope, func(Row) error) error,
	mapping func(Row) R) store.ExportType {
	return store.ExportType{ResourceType: resourceType,
		Write: func(ctx context.Context, s *store.Store, scope models.ExportScope, emit func(any) error) error {
			return stream(s, ctx, scope, func(row Row) error { return emit(mapping(row)) })
		}}
}

// Information is an OperationOutcome that reports, rather than refuses,
// such as an accepted bulk export.
func Information(diagnostics string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "information", Code: "informational", Diagnostics: diagnostics}}}
}
