package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat/docs"
)

// openAPIJSON converts the embedded OpenAPI document (docs/openapi.yaml)
// to JSON. New calls it once; the document is part of the binary, so an
// error is a programming error caught by the tests.
func openAPIJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(docs.OpenAPIYAML(), &doc); err != nil {
		return nil, fmt.Errorf("api: docs/openapi.yaml: %w", err)
	}
	doc, err := jsonValue(doc)
	if err != nil {
		return nil, fmt.Errorf("api: docs/openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api: docs/openapi.yaml: %w", err)
	}
	return append(b, '\n'), nil
}

// jsonValue turns what yaml.v3 decoded into values encoding/json accepts:
// every mapping key must be a string (a response code written 200 rather
// than "200" would otherwise fail to encode).
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			e, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			v[k] = e
		}
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			switch k.(type) {
			case string, int, bool:
				out[fmt.Sprint(k)] = e
			default:
				return nil, fmt.Errorf("mapping key %v (%T) is not a string", k, k)
			}
		}
		return jsonValue(out)
	case []any:
		for i, e := range v {
			e, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			v[i] = e
		}
		return v, nil
	}
	return v, nil
}

// handleOpenAPI serves GET /api/v1/openapi.json: the API's own description.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	s.writeJSONParts(w, http.StatusOK, s.openAPI)
}
