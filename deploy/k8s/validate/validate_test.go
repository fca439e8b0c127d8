package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedManifests holds every manifest directory of deploy/k8s to the validator.
func TestShippedManifests(t *testing.T) {
	dirs, _ := filepath.Glob("../*")
	seen := 0
	defer func() {
		if seen == 0 {
			t.Error("no manifest directory found next to validate/")
		}
	}()
	for _, dir := range dirs {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() || filepath.Base(dir) == "validate" {
			continue
		}
		seen++
		t.Run(filepath.Base(dir)+" decodes strictly and its references hold", func(t *testing.T) {
			objs, errs := ValidateDir(dir)
			for _, err := range errs {
				t.Error(err)
			}
			if len(objs) == 0 {
				t.Fatalf("no objects in %s", dir)
			}
		})
	}
}

func TestValidateFindsMistakes(t *testing.T) {
	load, err := os.ReadFile("../load/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../load/script.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results, err := os.ReadFile("../load/results.yaml")
	if err != nil {
		t.Fatal(err)
	}
	job := string(load)
	cases := []struct {
		name    string
		job     string
		wantErr string
	}{
		{"a misspelled field is refused", strings.Replace(job, "completionMode:", "completionsMode:", 1), `unknown field "completionsMode"`},
		{"a field of the wrong type is refused", strings.Replace(job, "completions: 2", "completions: two", 1), "cannot unmarshal"},
		{"a bad quantity is refused", strings.Replace(job, "memory: 2Gi", "memory: 2 gigs", 1), "quantities must match"},
		{"INSTANCES that differs from completions is named", strings.Replace(job, "value: \"2\"", "value: \"3\"", 1), "INSTANCES=\"3\" but the Job has 2 completions"},
		{"parallelism below completions is refused", strings.Replace(job, "parallelism: 2", "parallelism: 1", 1), "completions equal to parallelism"},
		{"a script missing from the ConfigMap is named", strings.Replace(job, "/scripts/instance.sh", "/scripts/instnace.sh", 1), `has no key "instnace.sh"`},
		{"an undefined ConfigMap is named", strings.Replace(job, "name: spate-load-script", "name: other-script", 1), `ConfigMap "other-script", which the manifests do not define`},
		{"an unknown kind is refused", strings.Replace(job, "kind: Job", "kind: CronJobs", 1), `kind "CronJobs" is not a type`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.job == job {
				t.Fatal("the case does not change the manifest; its replacement text is stale")
			}
			dir := t.TempDir()
			for name, text := range map[string]string{"job.yaml": c.job, "script.yaml": string(script), "results.yaml": string(results)} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, errs := ValidateDir(dir)
			var all []string
			for _, err := range errs {
				all = append(all, err.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.wantErr) {
				t.Fatalf("errors %q, want one containing %q", all, c.wantErr)
			}
		})
	}
}
