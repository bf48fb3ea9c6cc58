package upstat

import "errors"

// Error kinds shared by every package. Wrap them with %w and test with
// errors.Is; the API maps each to one HTTP status.
var (
	// ErrNotFound: the vendor, incident or other record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a parameter, config value or payload is not acceptable.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: a required token is missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrConflict: another writer changed the record first (a replica
	// sharing the store); read it again and redo the change.
	ErrConflict = errors.New("conflict")
)
