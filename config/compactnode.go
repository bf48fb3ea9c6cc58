package config

import "gopkg.in/yaml.v3"

// options are a source's adapter options as written, kept until the
// adapter decodes them (at validation and at every start or reload of the
// source) and for the source's fingerprint. A yaml.Node is 176 bytes with
// fields decoding never reads (comments, anchors); at 10,000 sources with
// one option each the nodes held ~6 MB, so they are kept compact and a
// node tree is rebuilt when needed. A tree that uses aliases is kept as
// it is (rare; compacting would have to copy what they point to).
type options struct {
	compact compactNode
	raw     *yaml.Node // the tree as parsed, when it uses aliases
}

// compactNode is what decoding reads of a yaml.Node: 72 bytes.
type compactNode struct {
	value, tag   string
	content      []compactNode
	line, column int32
	kind         yaml.Kind
	style        yaml.Style
}

func newOptions(n *yaml.Node) *options {
	if hasAlias(n) {
		return &options{raw: n}
	}
	return &options{compact: compactOf(n)}
}

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

func compactOf(n *yaml.Node) compactNode {
	c := compactNode{value: n.Value, tag: n.Tag, line: int32(n.Line), column: int32(n.Column), kind: n.Kind, style: n.Style}
	if len(n.Content) > 0 {
		c.content = make([]compactNode, len(n.Content))
		for i, child := range n.Content {
			c.content[i] = compactOf(child)
		}
	}
	return c
}

// node returns the options as a yaml mapping node (a new tree each time
// for compact options).
func (o *options) node() *yaml.Node {
	if o.raw != nil {
		return o.raw
	}
	return o.compact.node()
}

func (c *compactNode) node() *yaml.Node {
	n := &yaml.Node{Kind: c.kind, Style: c.style, Tag: c.tag, Value: c.value, Line: int(c.line), Column: int(c.column)}
	if len(c.content) > 0 {
		n.Content = make([]*yaml.Node, len(c.content))
		for i := range c.content {
			n.Content[i] = c.content[i].node()
		}
	}
	return n
}

// firstKey is the first option's key and its line.
func (o *options) firstKey() (key string, line int) {
	if o.raw != nil {
		return o.raw.Content[0].Value, o.raw.Content[0].Line
	}
	k := &o.compact.content[0]
	return k.value, int(k.line)
}
