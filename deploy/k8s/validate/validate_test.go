package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestValidateFindsScalingMistakes breaks the processor's manifests (Deployment, KEDA's
// ScaledObject and TriggerAuthentication) on purpose: each mistake must be named.
func TestValidateFindsScalingMistakes(t *testing.T) {
	files := map[string]string{}
	for _, name := range []string{"config.yaml", "deployment.yaml", "scaledobject.yaml"} {
		raw, err := os.ReadFile(filepath.Join("..", "processor", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(raw)
	}
	cases := []struct {
		name, file, old, new, wantErr string
	}{
		{"a misspelled ScaledObject field is refused", "scaledobject.yaml", "maxReplicaCount:", "maxReplicasCount:", `.spec.maxReplicasCount: unknown field "maxReplicasCount"`},
		{"a ScaledObject field of the wrong type is refused", "scaledobject.yaml", "pollingInterval: 5", "pollingInterval: 5s", ".spec.pollingInterval: want an integer"},
		{"a value outside the CRD's enum is refused", "scaledobject.yaml", "kind: TriggerAuthentication\n        name", "kind: TriggerAuth\n        name", `.spec.triggers[0].authenticationRef.kind: "TriggerAuth" is not one of ["TriggerAuthentication","ClusterTriggerAuthentication"]`},
		{"a misspelled HPA behavior field is refused", "scaledobject.yaml", "stabilizationWindowSeconds: 10", "stabilisationWindowSeconds: 10", `unknown field "stabilisationWindowSeconds"`},
		{"a misspelled TriggerAuthentication field is refused", "scaledobject.yaml", "secretTargetRef:", "secretTargetRefs:", `.spec.secretTargetRefs: unknown field`},
		{"a misspelled metadata field is refused", "scaledobject.yaml", "  labels:\n    app.kubernetes.io/name: spate-processor\nspec:\n  scaleTargetRef", "  label:\n    app.kubernetes.io/name: spate-processor\nspec:\n  scaleTargetRef", `unknown field "label"`},
		{"a misspelled kafka trigger setting is named", "scaledobject.yaml", "lagThreshold:", "lagTreshold:", "metadata.lagTreshold is not a setting of KEDA's kafka scaler"},
		{"a lag threshold that is not a count is named", "scaledobject.yaml", `lagThreshold: "5000"`, `lagThreshold: "5k"`, `metadata.lagThreshold "5k" must be a whole number`},
		{"a bad SASL mechanism is named", "scaledobject.yaml", "sasl: scram_sha512", "sasl: scram-sha-512", `metadata.sasl "scram-sha-512" is not one of`},
		{"a variable the pods do not set is named", "scaledobject.yaml", "topicFromEnv: SPATE_KAFKA_TOPIC", "topicFromEnv: SPATE_TOPIC", "reads SPATE_TOPIC, which no container of Deployment spate-processor sets"},
		{"another scale target is named", "scaledobject.yaml", "    name: spate-processor\n  pollingInterval", "    name: processor\n  pollingInterval", `scaleTargetRef names Deployment "processor"`},
		{"a missing TriggerAuthentication is named", "scaledobject.yaml", "name: spate-processor-kafka\n---", "name: spate-kafka\n---", `TriggerAuthentication "spate-kafka", which the manifests do not define`},
		{"an unknown auth parameter is named", "scaledobject.yaml", "- parameter: username", "- parameter: user", `parameter "user" is not a parameter of KEDA's kafka scaler`},
		{"a misspelled Deployment field is refused", "deployment.yaml", "terminationGracePeriodSeconds:", "terminationGracePeriod:", `Deployment: error unmarshaling JSON: while decoding JSON: json: unknown field "terminationGracePeriod"`},
		{"an undefined ConfigMap is named", "deployment.yaml", "name: spate-processor-config", "name: processor-config", `ConfigMap "processor-config", which the manifests do not define`},
		{"a selector that misses the pods is named", "deployment.yaml", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: spate-processor", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: processor", "does not select the pod template's labels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed := strings.Replace(files[c.file], c.old, c.new, 1)
			if changed == files[c.file] {
				t.Fatal("the case does not change the manifest; its replacement text is stale")
			}
			dir := t.TempDir()
			for name, text := range files {
				if name == c.file {
					text = changed
				}
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

// A ScaledObject without KEDA's CRD loaded is an error naming the toolchain step, never a pass.
func TestCustomResourceNeedsItsCRD(t *testing.T) {
	reload := func() { crdOnce, crdSchemas, crdErr = sync.Once{}, nil, nil }
	t.Cleanup(reload)
	for _, tc := range []struct{ dir, want string }{
		{"", `keda.sh/v1alpha1 ScaledObject is a custom resource and its CRD is not loaded; run build/toolchain.sh keda`},
		{t.TempDir(), "holds no CRD files; run build/toolchain.sh keda"},
	} {
		reload()
		t.Setenv("SPATE_CRD_DIR", tc.dir)
		_, errs := ValidateDir("../processor")
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Fatalf("SPATE_CRD_DIR=%q: got %v, want an error containing %q", tc.dir, errs, tc.want)
		}
	}
}
