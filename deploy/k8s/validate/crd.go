package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// Custom resources (KEDA's ScaledObject and TriggerAuthentication) have no type in k8s.io/api.
// They are checked against their CustomResourceDefinition's openAPIV3Schema, read from the
// CRD files in $SPATE_CRD_DIR (`build/toolchain.sh keda` fetches KEDA's at the version pinned in
// build/versions.env; build/lib.sh sets the variable), as the API server does with
// `kubectl apply --validate=strict`: an unknown field, a wrong type, a value outside an enum or
// below a minimum, or a missing required field is an error.

// crdGroups are the API groups whose kinds are custom resources: their CRD must be loaded.
var crdGroups = map[string]string{"keda.sh": "build/toolchain.sh keda"}

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

var (
	crdOnce    sync.Once
	crdSchemas map[string]*Schema
	crdErr     error
)

// loadCRDs reads the schemas of $SPATE_CRD_DIR/*.yaml by "group/version/Kind", once.
func loadCRDs() (map[string]*Schema, error) {
	crdOnce.Do(func() {
		crdSchemas = map[string]*Schema{}
		dir := os.Getenv("SPATE_CRD_DIR")
		if dir == "" {
			return
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err == nil && len(files) == 0 {
			err = fmt.Errorf("SPATE_CRD_DIR %s holds no CRD files; run build/toolchain.sh keda", dir)
		}
		if err != nil {
			crdErr = err
			return
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			var c crd
			if err == nil {
				err = yaml.Unmarshal(raw, &c)
			}
			if err != nil {
				crdErr = fmt.Errorf("%s: %v; run build/toolchain.sh keda again", f, err)
				return
			}
			for _, v := range c.Spec.Versions {
				crdSchemas[c.Spec.Group+"/"+v.Name+"/"+c.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
			}
		}
	})
	return crdSchemas, crdErr
}

// crdSchema is the schema of a custom resource's kind; ok is false for a kind that is not one.
func crdSchema(apiVersion, kind string) (schema *Schema, ok bool, err error) {
	schemas, err := loadCRDs()
	if err != nil {
		return nil, false, err
	}
	if s, found := schemas[apiVersion+"/"+kind]; found {
		return s, true, nil
	}
	group, _, _ := strings.Cut(apiVersion, "/")
	if install, custom := crdGroups[group]; custom {
		return nil, false, fmt.Errorf("%s %s is a custom resource and its CRD is not loaded; run %s (it fills SPATE_CRD_DIR, %q)", apiVersion, kind, install, os.Getenv("SPATE_CRD_DIR"))
	}
	return nil, false, nil
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
