package models

import (
	"slices"
	"strings"
)

// What a scope lets a client do with a resource type: SMART v2 writes
// reading and searching as "rs", SMART v1 as "read". The API grants
// nothing else, so both mean the same right.
const (
	readPermissionV2 = "rs"
	readPermissionV1 = "read"
	allResourceTypes = "*"
)

// ScopeResourceTypes reads a system scope the API grants: reading and
// searching one resource type (system/Patient.rs, or system/Patient.read
// in SMART v1's syntax) or every type it serves (system/*.rs,
// system/*.read). It gives the resource types the scope covers, or false
// for any other scope, write and patient or user scopes included.
func ScopeResourceTypes(scope string) ([]string, bool) {
	rest, system := strings.CutPrefix(scope, "system/")
	resourceType, permission, dotted := strings.Cut(rest, ".")
	if !system || !dotted || (permission != readPermissionV2 && permission != readPermissionV1) {
		return nil, false
	}
	if resourceType == allResourceTypes {
		return APIResourceTypes, true
	}
	if !slices.Contains(APIResourceTypes, resourceType) {
		return nil, false
	}
	return []string{resourceType}, true
}

// ScopesCover reports whether a list of scopes lets a client read and
// search a resource type, in either syntax.
func ScopesCover(scopes []string, resourceType string) bool {
	return slices.ContainsFunc(scopes, func(scope string) bool {
		covered, _ := ScopeResourceTypes(scope)
		return slices.Contains(covered, resourceType)
	})
}

// SupportedScopes are every scope the API grants, in SMART v2's syntax and
// then v1's, wildcards first.
func SupportedScopes() []string {
	var scopes []string
	for _, permission := range []string{readPermissionV2, readPermissionV1} {
		for _, resourceType := range append([]string{allResourceTypes}, APIResourceTypes...) {
			scopes = append(scopes, "system/"+resourceType+"."+permission)
		}
	}
	return scopes
}
