package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Object is one manifest decoded into the Kubernetes API's own Go type.
type Object struct {
	Source string // file and document number, for messages
	Kind   string
	Name   string
	Value  any // *corev1.ConfigMap, *batchv1.Job, ...
}

// kinds are the API types the manifests may use, by apiVersion and kind.
var kinds = map[string]func() any{
	"v1/ConfigMap":             func() any { return &corev1.ConfigMap{} },
	"v1/PersistentVolumeClaim": func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Service":               func() any { return &corev1.Service{} },
	"batch/v1/Job":             func() any { return &batchv1.Job{} },
	"apps/v1/Deployment":       func() any { return &appsv1.Deployment{} },
}

// DecodeFile decodes every YAML document of a manifest file strictly: a field the API type
// does not have, a field given twice or a value of the wrong type (a bad quantity too) is an
// error, as `kubectl apply --validate=strict` would report it.
func DecodeFile(path string) ([]Object, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for i, doc := range splitDocuments(raw) {
		source := fmt.Sprintf("%s (document %d)", filepath.Base(path), i+1)
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		schema, ok, err := crdSchema(meta.APIVersion, meta.Kind)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if ok {
			c, err := decodeCustom(doc, schema, meta.APIVersion, meta.Kind)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", source, meta.Kind, err)
			}
			// Its metadata is the Kubernetes API's own type, decoded strictly like the rest.
			var objectMeta metav1.ObjectMeta
			if raw, err := yaml.Marshal(c.Object["metadata"]); err != nil || yaml.UnmarshalStrict(raw, &objectMeta) != nil {
				return nil, fmt.Errorf("%s: %s: metadata: %v", source, meta.Kind, yaml.UnmarshalStrict(raw, &objectMeta))
			}
			if c.Name == "" {
				return nil, fmt.Errorf("%s: %s has no metadata.name", source, meta.Kind)
			}
			objs = append(objs, Object{Source: source, Kind: meta.Kind, Name: c.Name, Value: c})
			continue
		}
		newValue, ok := kinds[meta.APIVersion+"/"+meta.Kind]
		if !ok {
			return nil, fmt.Errorf("%s: apiVersion %q kind %q is not a type this validator knows; add it to kinds, or its CRD to SPATE_CRD_DIR", source, meta.APIVersion, meta.Kind)
		}
		v := newValue()
		if err := yaml.UnmarshalStrict(doc, v); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", source, meta.Kind, err)
		}
		name := v.(metav1.Object).GetName()
		if name == "" {
			return nil, fmt.Errorf("%s: %s has no metadata.name", source, meta.Kind)
		}
		objs = append(objs, Object{Source: source, Kind: meta.Kind, Name: name, Value: v})
	}
	return objs, nil
}

// splitDocuments splits a YAML stream at its "---" lines and drops empty documents.
func splitDocuments(raw []byte) [][]byte {
	var docs [][]byte
	for _, doc := range bytes.Split(raw, []byte("\n---")) {
		lines := strings.TrimSpace(stripComments(string(doc)))
		if lines != "" && lines != "---" {
			docs = append(docs, doc)
		}
	}
	return docs
}

func stripComments(doc string) string {
	var keep []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
