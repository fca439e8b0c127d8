package main

import (
	"fmt"
	"path"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Check finds what decoding cannot: references between the objects of a manifest set and the
// conventions of spate's load Jobs.
func Check(objs []Object) []error {
	configMaps := map[string]*corev1.ConfigMap{}
	claims := map[string]bool{}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *corev1.PersistentVolumeClaim:
			claims[v.Name] = true
		}
	}
	deployments := map[string]*appsv1.Deployment{}
	triggerAuths := map[string]*Custom{}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			deployments[v.Name] = v
		case *Custom:
			if v.Kind == "TriggerAuthentication" {
				triggerAuths[v.Name] = v
			}
		}
	}
	var errs []error
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *batchv1.Job:
			errs = append(errs, checkJob(o.Source, v, configMaps, claims)...)
		case *appsv1.Deployment:
			errs = append(errs, checkDeployment(o.Source, v, configMaps)...)
		case *Custom:
			if v.Kind == "ScaledObject" {
				errs = append(errs, checkScaledObject(o.Source, v, deployments, configMaps, triggerAuths)...)
			}
		}
	}
	return errs
}

func checkJob(source string, job *batchv1.Job, configMaps map[string]*corev1.ConfigMap, claims map[string]bool) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: Job %s: %s", source, job.Name, fmt.Sprintf(format, args...)))
	}
	pod := job.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		bad("template.spec.restartPolicy must be Never or OnFailure for a Job, not %q", pod.RestartPolicy)
	}
	// Mounted ConfigMaps by mount path, to find the scripts the containers run.
	mounted := map[string]*corev1.ConfigMap{}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		switch {
		case v.ConfigMap != nil:
			if configMaps[v.ConfigMap.Name] == nil {
				bad("volume %s uses ConfigMap %q, which the manifests do not define", v.Name, v.ConfigMap.Name)
			}
		case v.PersistentVolumeClaim != nil:
			if !claims[v.PersistentVolumeClaim.ClaimName] {
				bad("volume %s uses PersistentVolumeClaim %q, which the manifests do not define", v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	for _, c := range pod.Containers {
		for _, m := range c.VolumeMounts {
			v, ok := volumes[m.Name]
			if !ok {
				bad("container %s mounts volume %q, which the pod does not have", c.Name, m.Name)
				continue
			}
			if v.ConfigMap != nil {
				mounted[m.MountPath] = configMaps[v.ConfigMap.Name]
			}
		}
		// A command that runs a file from a mounted ConfigMap needs that key in it.
		for _, arg := range append(append([]string{}, c.Command...), c.Args...) {
			if cm, ok := mounted[path.Dir(arg)]; ok && cm != nil {
				if _, ok := cm.Data[path.Base(arg)]; !ok {
					bad("container %s runs %s, but ConfigMap %s has no key %q", c.Name, arg, cm.Name, path.Base(arg))
				}
			}
		}
		if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion {
			errs = append(errs, checkIndexed(source, job, c)...)
		}
	}
	return errs
}

// checkIndexed holds a load Job to its sharding: one pod per index, all running at once (they
// wait for each other at the start barrier), and INSTANCES telling each how many there are.
func checkIndexed(source string, job *batchv1.Job, c corev1.Container) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: Job %s: %s", source, job.Name, fmt.Sprintf(format, args...)))
	}
	if job.Spec.Completions == nil || job.Spec.Parallelism == nil || *job.Spec.Completions != *job.Spec.Parallelism {
		bad("an Indexed load Job needs completions equal to parallelism, so every instance runs at once")
		return errs
	}
	for _, e := range c.Env {
		if e.Name == "INSTANCES" {
			if n, err := strconv.Atoi(e.Value); err != nil || int32(n) != *job.Spec.Completions {
				bad("container %s has INSTANCES=%q but the Job has %d completions; make them equal", c.Name, e.Value, *job.Spec.Completions)
			}
			return errs
		}
	}
	bad("container %s has no INSTANCES variable; set it to the Job's completions (%d)", c.Name, *job.Spec.Completions)
	return errs
}
