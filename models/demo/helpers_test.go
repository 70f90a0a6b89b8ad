package demo_test

import (
	"testing"

	"healthpassport/models"
	"healthpassport/models/store"
)

const demoPassword = "test-demo-password"

func user(t *testing.T, st *store.Store, username string) *models.User {
	t.Helper()
	u, err := st.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u
}
