package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Limits on what a config file may ask of the loader, so that a hostile or
// broken file (YAML "billion laughs": an anchor aliased thousands of times)
// is refused at once instead of costing minutes and gigabytes. Both are far
// beyond any real config.
const (
	// MaxFileBytes is the largest config file Load reads.
	MaxFileBytes = 8 << 20
	// MaxNodes bounds the YAML nodes of the document with every alias
	// expanded: what the decoder would walk.
	MaxNodes = 500_000
)

// checkSize refuses a document whose alias-expanded size exceeds MaxNodes,
// naming the alias that crosses the limit. It costs one pass over the
// document as written (sizes of anchored nodes are remembered).
func (d *decoder) checkSize(root *yaml.Node) bool {
	sizes := map[*yaml.Node]int{}
	total := 0
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil || total > MaxNodes {
			return 0
		}
		if s, ok := sizes[n]; ok {
			return s
		}
		if depth > 1000 {
			d.errorf(n, "the YAML nests deeper than 1000 levels")
			total = MaxNodes + 1
			return 0
		}
		sizes[n] = 1 // a cycle through an alias counts once
		s := 1
		if n.Kind == yaml.AliasNode {
			s += size(n.Alias, depth+1)
			if total+s > MaxNodes && total <= MaxNodes {
				d.errorf(n, "alias *%s expands the config beyond %d YAML nodes (too many aliases or aliases of large anchors)", n.Value, MaxNodes)
				total = MaxNodes + 1
				return s
			}
		} else {
			for _, c := range n.Content {
				s += size(c, depth+1)
			}
		}
		sizes[n] = s
		return s
	}
	// The total is the size of the root: shared anchors count once per
	// use, as the decoder walks them.
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || total > MaxNodes {
			return
		}
		if n.Kind == yaml.AliasNode {
			total += size(n, depth)
			return
		}
		total++
		if depth > 1000 {
			d.errorf(n, "the YAML nests deeper than 1000 levels")
			total = MaxNodes + 1
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	if total > MaxNodes && len(d.errs) == 0 {
		d.errorf(root, "the config has more than %d YAML nodes", MaxNodes)
	}
	return total <= MaxNodes
}

// tooBig is the error of a config file larger than MaxFileBytes.
func tooBig(file string, n int64) error {
	return &Errors{{File: file, Line: 1, Column: 1, Msg: fmt.Sprintf("config is larger than the limit of %d bytes (read %d)", MaxFileBytes, n)}}
}
