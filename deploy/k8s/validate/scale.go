package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkDeployment: its selector selects its own pods, and the ConfigMaps its containers read
// exist in the manifest set (Secrets are created outside the manifests, so they are not looked
// for).
func checkDeployment(source string, d *appsv1.Deployment, configMaps map[string]*corev1.ConfigMap) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: Deployment %s: %s", source, d.Name, fmt.Sprintf(format, args...)))
	}
	if d.Spec.Selector == nil {
		bad("spec.selector is required")
	} else if selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		bad("spec.selector: %v", err)
	} else if !selector.Matches(labels.Set(d.Spec.Template.Labels)) {
		bad("spec.selector does not select the pod template's labels %v", d.Spec.Template.Labels)
	}
	pod := d.Spec.Template.Spec
	for _, v := range pod.Volumes {
		if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil && (v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional) {
			bad("volume %s uses ConfigMap %q, which the manifests do not define", v.Name, v.ConfigMap.Name)
		}
	}
	for _, c := range pod.Containers {
		for _, from := range c.EnvFrom {
			if ref := from.ConfigMapRef; ref != nil && configMaps[ref.Name] == nil && (ref.Optional == nil || !*ref.Optional) {
				bad("container %s reads its environment from ConfigMap %q, which the manifests do not define", c.Name, ref.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.ConfigMapKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.ConfigMapKeyRef
			if cm := configMaps[ref.Name]; cm == nil {
				bad("container %s: %s reads ConfigMap %q, which the manifests do not define", c.Name, e.Name, ref.Name)
			} else if _, ok := cm.Data[ref.Key]; !ok {
				bad("container %s: %s reads key %q, which ConfigMap %s does not have", c.Name, e.Name, ref.Key, ref.Name)
			}
		}
	}
	return errs
}

// Trigger metadata and authentication parameters of KEDA's Kafka scaler (v2.20, pkg/scalers/
// kafka_scaler.go): the CRD types metadata as a map of strings, so KEDA itself finds a misspelled
// key only when it runs the scaler.
var (
	kafkaMetadata = set("bootstrapServers", "consumerGroup", "topic", "partitionLimitation", "lagThreshold",
		"activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
		"scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "version",
		"tls", "unsafeSsl", "sasl", "saslTokenProvider", "awsRegion")
	// Read from the scale target's container environment with the FromEnv suffix.
	kafkaFromEnv = set("bootstrapServers", "consumerGroup", "topic")
	kafkaAuth    = set("tls", "ca", "cert", "key", "keyPassword", "sasl", "username", "password", "saslTokenProvider",
		"scopes", "oauthTokenEndpointUri", "oauthExtensions", "keytab", "realm", "kerberosConfig", "kerberosServiceName",
		"kerberosDisableFAST", "awsRegion", "awsAccessKeyID", "awsSecretAccessKey", "awsSessionToken", "awsRoleArn")
	kafkaEnums = map[string][]string{
		"offsetResetPolicy": {"latest", "earliest"},
		"tls":               {"enable", "disable"},
		"sasl":              {"none", "plaintext", "scram_sha256", "scram_sha512", "oauthbearer", "gssapi"},
		"saslTokenProvider": {"bearer", "aws_msk_iam"},
	}
	kafkaBools = set("allowIdleConsumers", "excludePersistentLag", "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag",
		"ensureEvenDistributionOfPartitions", "unsafeSsl")
	kafkaCounts = set("lagThreshold", "activationLagThreshold")
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// checkScaledObject: it scales a Deployment of the set, its Kafka triggers use keys KEDA's
// Kafka scaler knows with values it accepts, the variables they read FromEnv are set on the
// target's container, and their TriggerAuthentication exists with parameters the scaler reads.
func checkScaledObject(source string, so *Custom, deployments map[string]*appsv1.Deployment, configMaps map[string]*corev1.ConfigMap, auths map[string]*Custom) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: ScaledObject %s: %s", source, so.Name, fmt.Sprintf(format, args...)))
	}
	target, _ := field(so.Object, "spec", "scaleTargetRef").(map[string]any)
	kind, _ := target["kind"].(string)
	name, _ := target["name"].(string)
	var deployment *appsv1.Deployment
	if kind != "" && kind != "Deployment" {
		bad("scaleTargetRef.kind %q: this validator checks Deployments only", kind)
	} else if deployment = deployments[name]; deployment == nil {
		bad("scaleTargetRef names Deployment %q, which the manifests do not define", name)
	}
	min, hasMin := field(so.Object, "spec", "minReplicaCount").(float64)
	max, hasMax := field(so.Object, "spec", "maxReplicaCount").(float64)
	if hasMin && hasMax && min > max {
		bad("minReplicaCount %v is above maxReplicaCount %v", min, max)
	}
	triggers, _ := field(so.Object, "spec", "triggers").([]any)
	for i, t := range triggers {
		if typ, _ := field(t, "type").(string); typ != "kafka" {
			continue
		}
		at := fmt.Sprintf("triggers[%d]", i)
		metadata, _ := field(t, "metadata").(map[string]any)
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			value, _ := metadata[key].(string)
			if base, ok := strings.CutSuffix(key, "FromEnv"); ok && kafkaFromEnv[base] {
				if deployment != nil && !containerEnv(deployment, configMaps)[value] {
					bad("%s.metadata.%s reads %s, which no container of Deployment %s sets", at, key, value, deployment.Name)
				}
				continue
			}
			if !kafkaMetadata[key] {
				bad("%s.metadata.%s is not a setting of KEDA's kafka scaler", at, key)
				continue
			}
			if allowed, ok := kafkaEnums[key]; ok && !contains(allowed, value) {
				bad("%s.metadata.%s %q is not one of %s", at, key, value, strings.Join(allowed, ", "))
			}
			if kafkaBools[key] && value != "true" && value != "false" {
				bad("%s.metadata.%s %q must be \"true\" or \"false\"", at, key, value)
			}
			if n, err := strconv.ParseInt(value, 10, 64); kafkaCounts[key] && (err != nil || n < 0 || (key == "lagThreshold" && n == 0)) {
				bad("%s.metadata.%s %q must be a whole number of records (lagThreshold above 0)", at, key, value)
			}
		}
		for _, base := range []string{"bootstrapServers", "consumerGroup"} {
			if metadata[base] == nil && metadata[base+"FromEnv"] == nil {
				bad("%s.metadata needs %s (or %sFromEnv)", at, base, base)
			}
		}
		if ref, ok := field(t, "authenticationRef").(map[string]any); ok {
			authName, _ := ref["name"].(string)
			if authKind, _ := ref["kind"].(string); authKind == "ClusterTriggerAuthentication" {
				continue
			}
			auth := auths[authName]
			if auth == nil {
				bad("%s.authenticationRef names TriggerAuthentication %q, which the manifests do not define", at, authName)
				continue
			}
			refs, _ := field(auth.Object, "spec", "secretTargetRef").([]any)
			for j, r := range refs {
				if p, _ := field(r, "parameter").(string); !kafkaAuth[p] {
					bad("TriggerAuthentication %s secretTargetRef[%d].parameter %q is not a parameter of KEDA's kafka scaler", authName, j, p)
				}
			}
		}
	}
	return errs
}

// containerEnv is every variable the Deployment's containers set: env and envFrom ConfigMaps.
func containerEnv(d *appsv1.Deployment, configMaps map[string]*corev1.ConfigMap) map[string]bool {
	names := map[string]bool{}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			names[e.Name] = true
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef == nil {
				continue
			}
			if cm := configMaps[from.ConfigMapRef.Name]; cm != nil {
				for k := range cm.Data {
					names[from.Prefix+k] = true
				}
			}
		}
	}
	return names
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
