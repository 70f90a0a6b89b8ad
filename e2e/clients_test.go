package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"

	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
)

// TestAdministratorConnectsASystemAndWithdrawsIt: an administrator
// registers a GP system with its public keys, after mending the form, and
// then withdraws its access.
func TestAdministratorConnectsASystemAndWithdrawsIt(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
		name := "Riverside GP system " + onOff(v.js)

		v.signIn("admin", demoPassword)
		v.press(`.nhsuk-header a[href="/clients"]`)
		v.at("/clients")
		v.see("Connected systems")
		v.audit()
		v.press(`a[href="/clients/new"]`)
		v.at("/clients/new")
		v.audit()
		v.typeInto("#name", name)
		v.submit("#name")
		v.see("There is a problem", "Choose the practice the system works for", "Choose what the system may read", `value="`+name+`"`)
		v.audit()
		v.tick("#organisation")
		v.tick("#scopes")
		v.tick("#scopes-4")
		v.typeInto("#keys", string(keys))
		v.submit("#keys_url")
		v.see(name+" is registered", "system/Patient.rs system/CarePlan.rs", "Withdraw access")
		v.audit()

		var client models.APIClient
		st.DB().Where("name = ?", name).Take(&client)
		page := fmt.Sprintf("/clients/%d", client.ID)
		v.at(page)
		// The supplier publishes a new key: the system keeps its client id.
		v.press(`a[href="` + page + `/keys"]`)
		v.at(page + "/keys")
		v.see("Change " + name + "'s keys")
		v.audit()
		v.replaceIn("#keys", " ")
		v.submit("#keys_url")
		v.see("There is a problem", "Paste the system's public keys, or enter the address they are published at")
		v.audit()
		newKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		newKeys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &newKey.PublicKey, KeyID: "k2", Algorithm: "ES384", Use: "sig"}}})
		v.typeInto("#keys", string(newKeys))
		v.submit("#keys_url")
		v.at(page)
		v.see(name+"'s keys are changed: it keeps its client id", client.ClientID)
		v.audit()
		// The form fits a phone, the pasted keys wrapping within it.
		onPhone := newVisitor(t, v.js, phone)
		onPhone.signIn("admin", demoPassword)
		onPhone.visit(page + "/keys")
		onPhone.see("Change " + name + "'s keys")
		onPhone.audit()
		onPhone.fitsWidth()
		v.press(`a[href="` + page + `/revoke"]`)
		v.at(page + "/revoke")
		v.see("Withdraw " + name + "'s access")
		v.audit()
		v.press(`form[action="` + page + `/revoke"] button`)
		v.at(page)
		v.see("access is withdrawn", "Withdrawn on")
		v.audit()
		v.visit("/clients")
		v.see(name, "Withdrawn on")
		v.audit()
	})
}

// TestPatientAndCarerReadEverythingHeld: the page of everything held about
// a passport, with its download, for the patient and for their carer.
func TestPatientAndCarerReadEverythingHeld(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.visit("/passport/demoamelia0000001")
		v.press(`a[href="/passport/demoamelia0000001/data"]`)
		v.at("/passport/demoamelia0000001/data")
		v.see("All the data we hold", "Asthma action plan", "Download it as a file", "Readings", "Repeat prescription requests",
			"Salbutamol 100 micrograms", "Reviews", "Alerts", "Shares of the emergency page")
		v.audit()

		carer := newVisitor(t, v.js, phone)
		carer.signIn("carer", demoPassword)
		carer.visit("/passport/demoamelia0000001/data")
		carer.see("All the data we hold", "Amelia Jones")
		carer.audit()
	})
}
