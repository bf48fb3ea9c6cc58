package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// FieldError is a configuration error pinned to a place in the file.
type FieldError struct {
	File string
	Line int
	Key  string // dotted path, e.g. vendors[2].sources[0].url
	Msg  string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// decoder decodes yaml nodes into structs strictly: every mapping key must
// name a field (by its yaml tag), and errors carry file, line and key path.
type decoder struct{ file string }

func (d decoder) errf(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	if key == "" {
		key = "(document)" // the top level, as for an empty file
	}
	return &FieldError{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// decode checks n against v's type, then decodes it. path names n.
func (d decoder) decode(n *yaml.Node, path string, v any) error {
	if err := d.check(n, path, reflect.TypeOf(v)); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return d.wrapDecodeError(n, path, err)
	}
	return nil
}

// wrapDecodeError turns yaml.v3's "line N: cannot unmarshal ..." into a
// FieldError at that line.
func (d decoder) wrapDecodeError(n *yaml.Node, path string, err error) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := n.Line
	if strings.HasPrefix(msg, "line ") {
		var l int
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &l); scanErr == nil {
			line = l
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
	}
	key := path
	if k := keyAtLine(n, path, line); k != "" {
		key = k
	}
	if key == "" {
		key = "(document)"
	}
	return &FieldError{File: d.file, Line: line, Key: key, Msg: msg}
}

// keyAtLine finds the dotted path of the value on a given line.
func keyAtLine(n *yaml.Node, path string, line int) string {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return keyAtLine(n.Content[0], path, line)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if (k.Line == line && (v.Kind == yaml.ScalarNode || v.Line == line)) || (v.Kind == yaml.ScalarNode && v.Line == line) {
				return p
			}
			if found := keyAtLine(v, p, line); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind == yaml.ScalarNode && c.Line == line {
				return p
			}
			if found := keyAtLine(c, p, line); found != "" {
				return found
			}
		}
	}
	return ""
}

func join(path, key string) string {
	if key == "" {
		return path
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

var nodeType = reflect.TypeOf(yaml.Node{})

// check walks n beside type t and reports every mapping key that t has no
// field for (up to MaxErrors), and scalars its text types refuse.
func (d decoder) check(n *yaml.Node, path string, t reflect.Type) error {
	var errs errorList
	d.walk(n, path, t, &errs)
	return errs.err()
}

// walk is check's recursion: it adds what it finds to errs.
func (d decoder) walk(n *yaml.Node, path string, t reflect.Type, errs *errorList) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		d.walk(n.Content[0], path, t, errs)
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		d.walk(n.Alias, path, t, errs)
		return
	}
	if t == nodeType {
		return
	}
	if _, ok := reflect.New(t).Interface().(yaml.Unmarshaler); ok {
		return // the type checks itself
	}
	if tu, ok := reflect.New(t).Interface().(encoding.TextUnmarshaler); ok && n.Kind == yaml.ScalarNode {
		if err := tu.UnmarshalText([]byte(n.Value)); err != nil {
			errs.add(d.errf(n, path, "%s", strings.TrimPrefix(err.Error(), "invalid: ")))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" || t.PkgPath() == "time" {
				return
			}
			errs.add(d.errf(n, path, "expected a mapping"))
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue
			}
			f, ok := fields[k.Value]
			if !ok {
				errs.add(d.errf(k, join(path, k.Value), "unknown key %q (known: %s)", k.Value, knownKeys(fields)))
				continue
			}
			d.walk(v, join(path, k.Value), f.Type, errs)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for i, c := range n.Content {
				d.walk(c, fmt.Sprintf("%s[%d]", path, i), t.Elem(), errs)
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				d.walk(n.Content[i+1], join(path, n.Content[i].Value), t.Elem(), errs)
			}
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

func knownKeys(fields map[string]reflect.StructField) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return strings.Join(keys, ", ")
}
