package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Custom resources (KEDA's ScaledObject and TriggerAuthentication) have no type in k8s.io/api.
// They are checked against their CustomResourceDefinition's openAPIV3Schema, kept in crds/
// (verbatim from the project that defines them; docs/toolchain.md), as the API server does
// with `kubectl apply --validate=strict`: an unknown field, a wrong type, a value outside an
// enum or below a minimum, or a missing required field is an error.

//go:embed crds/*.yaml
var crdFiles embed.FS

// Custom is a custom resource, decoded into plain JSON values.
type Custom struct {
	APIVersion string
	Kind       string
	Name       string
	Object     map[string]any
}

// Schema is the part of OpenAPI v3 that CRDs use and that this check needs.
type Schema struct {
	Type                 string             `json:"type,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *SchemaOrBool      `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	Required             []string           `json:"required,omitempty"`
	IntOrString          bool               `json:"x-kubernetes-int-or-string,omitempty"`
	PreserveUnknown      bool               `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
}

// SchemaOrBool is additionalProperties: a schema for every other field, or true/false.
type SchemaOrBool struct {
	Allows bool
	Schema *Schema
}

func (s *SchemaOrBool) UnmarshalJSON(raw []byte) error {
	if string(raw) == "true" || string(raw) == "false" {
		s.Allows = string(raw) == "true"
		return nil
	}
	s.Allows = true
	s.Schema = &Schema{}
	return json.Unmarshal(raw, s.Schema)
}

type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema *Schema `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// crdSchemas are the schemas of crds/*.yaml by "group/version/Kind".
var crdSchemas = loadCRDs()

func loadCRDs() map[string]*Schema {
	schemas := map[string]*Schema{}
	files, _ := crdFiles.ReadDir("crds")
	for _, f := range files {
		raw, err := crdFiles.ReadFile(path.Join("crds", f.Name()))
		if err != nil {
			panic(err)
		}
		var c crd
		if err := yaml.Unmarshal(raw, &c); err != nil {
			panic(fmt.Sprintf("crds/%s: %v", f.Name(), err))
		}
		for _, v := range c.Spec.Versions {
			schemas[c.Spec.Group+"/"+v.Name+"/"+c.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
		}
	}
	return schemas
}

// decodeCustom decodes a custom resource strictly against its CRD's schema.
func decodeCustom(doc []byte, schema *Schema, apiVersion, kind string) (*Custom, error) {
	var obj map[string]any
	if err := yaml.UnmarshalStrict(doc, &obj); err != nil {
		return nil, err
	}
	if problems := validateSchema(obj, schema, ""); len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	name, _ := field(obj, "metadata", "name").(string)
	return &Custom{APIVersion: apiVersion, Kind: kind, Name: name, Object: obj}, nil
}

// field walks nested objects; nil when a step is missing.
func field(obj any, names ...string) any {
	for _, n := range names {
		m, ok := obj.(map[string]any)
		if !ok {
			return nil
		}
		obj = m[n]
	}
	return obj
}

func validateSchema(value any, s *Schema, at string) []string {
	where := at
	if where == "" {
		where = "."
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, args...)) }
	if s.IntOrString {
		if _, ok := value.(string); !ok && !isInteger(value) {
			bad("want an integer or a string, got %s", show(value))
		}
		return problems
	}
	switch s.Type {
	case "string":
		if _, ok := value.(string); !ok {
			bad("want a string, got %s", show(value))
		}
	case "integer":
		if !isInteger(value) {
			bad("want an integer, got %s", show(value))
		}
	case "number":
		if _, ok := value.(float64); !ok {
			bad("want a number, got %s", show(value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			bad("want a boolean, got %s", show(value))
		}
	case "array":
		items, ok := value.([]any)
		if !ok {
			bad("want an array, got %s", show(value))
			break
		}
		if s.Items != nil {
			for i, item := range items {
				problems = append(problems, validateSchema(item, s.Items, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			bad("want an object, got %s", show(value))
			break
		}
		for _, name := range s.Required {
			if _, ok := obj[name]; !ok {
				bad("missing required field %s", name)
			}
		}
		names := make([]string, 0, len(obj))
		for name := range obj {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub, known := s.Properties[name]
			switch {
			case known:
				problems = append(problems, validateSchema(obj[name], sub, at+"."+name)...)
			case s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
				problems = append(problems, validateSchema(obj[name], s.AdditionalProperties.Schema, at+"."+name)...)
			case (s.AdditionalProperties != nil && s.AdditionalProperties.Allows) || s.PreserveUnknown || len(s.Properties) == 0:
			default:
				problems = append(problems, fmt.Sprintf("%s.%s: unknown field %q", at, name, name))
			}
		}
	}
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			if fmt.Sprint(e) == fmt.Sprint(value) {
				found = true
			}
		}
		if !found {
			bad("%s is not one of %s", show(value), show(s.Enum))
		}
	}
	if n, ok := value.(float64); ok && s.Minimum != nil && n < *s.Minimum {
		bad("%v is below the minimum %v", n, *s.Minimum)
	}
	if n, ok := value.(float64); ok && s.Maximum != nil && n > *s.Maximum {
		bad("%v is above the maximum %v", n, *s.Maximum)
	}
	return problems
}

func isInteger(v any) bool {
	n, ok := v.(float64)
	return ok && n == math.Trunc(n)
}

func show(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
