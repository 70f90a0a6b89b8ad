package handlers

import "testing"

func TestLocalPathKeepsReturnAddressesOnThisSite(t *testing.T) {
	for address, want := range map[string]string{
		"/passport":                          "/passport",
		"/passport/demoamelia0000001/shares": "/passport/demoamelia0000001/shares",
		"%2Fpassport%2Fdemoamelia0000001":    "/passport/demoamelia0000001",
		"/caseload/":                         "/caseload/",

		"":                                  "/",
		"passport":                          "/",
		"//evil.example":                    "/",
		"///evil.example":                   "/",
		"/%2F/evil":                         "/",
		"/%2Fevil.example":                  "/",
		"/%252F%252Fevil.example":           "/",
		"/%25252F%25252Fevil.example":       "/",
		"/%2525252F%2525252Fevil.example":   "/",
		"/passport//evil":                   "/",
		`/\evil.example`:                    "/",
		"/%5Cevil.example":                  "/",
		"/%255Cevil.example":                "/",
		`\\evil.example`:                    "/",
		"/\t/evil.example":                  "/",
		"/%09/evil.example":                 "/",
		"/%2509/evil.example":               "/",
		"/\n/evil.example":                  "/",
		"/%0A/evil.example":                 "/",
		"/%0D%0A/evil.example":              "/",
		"/%00/evil.example":                 "/",
		"/ /evil.example":                   "/",
		"javascript:alert(1)":               "/",
		"/javascript:alert(1)":              "/",
		"https:evil.example":                "/",
		"https://evil.example/":             "/",
		"HTTPS://evil.example":              "/",
		"/\u2215evil.example":               "/", // division slash
		"/\u2044evil.example":               "/", // fraction slash
		"/\uff0f\uff0fevil.example":         "/", // fullwidth solidus
		"/%EF%BC%8F%EF%BC%8Fevil.example":   "/",
		"/%E2%88%95evil.example":            "/",
		"/%":                                "/",
		"/%zz":                              "/",
		"/passport?next=//evil.example":     "/",
		"/passport#//evil.example":          "/",
		"/passport;url=//evil.example":      "/",
		"/session/warning":                  "/",
		"/session/warning?return=/passport": "/",
		"/%73ession/warning":                "/",
	} {
		if got := localPath(address); got != want {
			t.Errorf("localPath(%q) = %q; want %q", address, got, want)
		}
	}
}
