package models_test

import (
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
)

// BenchmarkAudit measures one audit entry written on its own, as a sign-in
// or a page view writes it.
func BenchmarkAudit(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		b.Run(kind, func(b *testing.B) {
			store := models.NewStore(modelstest.Open(b, kind))
			actor := models.Actor{UserID: 1, Role: models.RoleNurse, IPAddress: "192.0.2.1", RequestID: "bench"}
			entry := models.AuditEntry{Action: models.AuditPatientViewed, TargetType: "patient", TargetID: "demoamelia0000001"}
			for b.Loop() {
				if err := store.Audit(actor, entry); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
