package aggregate

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// Group is a node of k6's group tree, built from the samples' "group" tags ("::a::b").
type Group struct {
	Name   string
	Path   string
	ID     string // k6's: the hex MD5 of Path
	Groups []*Group
	Checks []*Check
}

// Check counts the results of one check in one group.
type Check struct {
	Name   string
	Path   string // the group's path, "::", the check's name
	ID     string
	Passes uint64
	Fails  uint64
}

// PathID is k6's id of a group or check: the hex MD5 of its path.
func PathID(path string) string {
	sum := md5.Sum([]byte(path))
	return hex.EncodeToString(sum[:])
}

func newRootGroup() *Group { return &Group{ID: PathID("")} }

// group returns the node of a "::a::b" path, creating it and its parents in first-seen order.
func (g *Group) group(path string) *Group {
	if path == "" {
		return g
	}
	node := g
	for _, name := range strings.Split(strings.TrimPrefix(path, "::"), "::") {
		var child *Group
		for _, c := range node.Groups {
			if c.Name == name {
				child = c
				break
			}
		}
		if child == nil {
			p := node.Path + "::" + name
			child = &Group{Name: name, Path: p, ID: PathID(p)}
			node.Groups = append(node.Groups, child)
		}
		node = child
	}
	return node
}

func (g *Group) check(name string) *Check {
	for _, c := range g.Checks {
		if c.Name == name {
			return c
		}
	}
	p := g.Path + "::" + name
	c := &Check{Name: name, Path: p, ID: PathID(p)}
	g.Checks = append(g.Checks, c)
	return c
}

func (g *Group) clone() *Group {
	c := &Group{Name: g.Name, Path: g.Path, ID: g.ID}
	for _, sub := range g.Groups {
		c.Groups = append(c.Groups, sub.clone())
	}
	for _, ch := range g.Checks {
		copied := *ch
		c.Checks = append(c.Checks, &copied)
	}
	return c
}
