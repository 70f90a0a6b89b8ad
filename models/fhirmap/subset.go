package fhirmap

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// mandatoryElements are, by type, the elements of a resource the API
// serves that FHIR requires (cardinality 1..), which a resource cut down
// by _elements keeps: with resourceType, id and meta, it stays valid.
var mandatoryElements = map[string][]string{"Observation": {"status", "code"}}

// Subsetted is the tag FHIR asks for on a resource that is not whole.
var Subsetted = Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", Code: "SUBSETTED", Display: "subsetted"}

// Subset cuts a resource down to the elements named, as _elements asks,
// and its mandatory ones, and tags it SUBSETTED. A name stands for a
// choice of types too, as value does for valueQuantity.
func Subset(resource Resource, resourceType string, elements []string) (map[string]any, error) {
	encoded, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}
	var whole map[string]any
	if err := json.Unmarshal(encoded, &whole); err != nil {
		return nil, err
	}
	keep := append([]string{"resourceType", "id", "meta"}, mandatoryElements[resourceType]...)
	keep = append(keep, elements...)
	for field := range whole {
		if !slices.ContainsFunc(keep, func(element string) bool { return elementNames(element, field) }) {
			delete(whole, field)
		}
	}
	meta, _ := whole["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		whole["meta"] = meta
	}
	meta["tag"] = []Coding{Subsetted}
	return whole, nil
}

// elementNames says whether an element name names a JSON field: the same
// name, or a choice of types such as value for valueQuantity.
func elementNames(element, field string) bool {
	rest, found := strings.CutPrefix(field, element)
	return found && (rest == "" || unicode.IsUpper([]rune(rest)[0]))
}

// HasElement says whether a resource type that takes _elements has an
// element of that name.
func HasElement(resourceType, element string) bool {
	shape, ok := subsettable[resourceType]
	if !ok {
		return false
	}
	for field := range shape.Fields() {
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if element != "" && elementNames(element, name) {
			return true
		}
	}
	return false
}

// subsettable are the types whose searches take _elements.
var subsettable = map[string]reflect.Type{
	"Patient":     reflect.TypeFor[Patient](),
	"Observation": reflect.TypeFor[Observation](),
}
