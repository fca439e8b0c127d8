// Command validate decodes Kubernetes manifests strictly into the Kubernetes API's own Go
// types and checks the references between them, offline (no cluster). It lives in its own Go
// module so that the engine binary does not carry the Kubernetes API types.
//
//	go run . ../load
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate <manifest directory or file>...")
		os.Exit(2)
	}
	failed := false
	for _, arg := range os.Args[1:] {
		objs, errs := ValidateDir(arg)
		for _, o := range objs {
			fmt.Printf("ok  %s %s/%s\n", o.Source, o.Kind, o.Name)
		}
		for _, err := range errs {
			fmt.Fprintf(os.Stderr, "validate: %v\n", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// ValidateDir decodes every .yaml file of dir (or the one file dir names) and checks the set.
func ValidateDir(dir string) ([]Object, []error) {
	files := []string{dir}
	if info, err := os.Stat(dir); err != nil {
		return nil, []error{err}
	} else if info.IsDir() {
		files, _ = filepath.Glob(filepath.Join(dir, "*.yaml"))
		sort.Strings(files)
		if len(files) == 0 {
			return nil, []error{fmt.Errorf("%s has no .yaml manifests", dir)}
		}
	}
	var objs []Object
	var errs []error
	for _, f := range files {
		o, err := DecodeFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o...)
	}
	return objs, append(errs, Check(objs)...)
}
