// Package docs holds upstat's reference documents; the ones the binary
// serves are embedded here so they ship inside it.
package docs

import (
	_ "embed"
	"slices"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPIYAML returns docs/openapi.yaml, the OpenAPI 3.1 description of the
// HTTP API (a copy: the caller may keep or modify it).
func OpenAPIYAML() []byte { return slices.Clone(openAPI) }
