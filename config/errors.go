package config

import "strings"

// MaxErrors is how many errors a configuration reports at most.
const MaxErrors = 20

// errorList collects configuration errors in the order found, up to
// MaxErrors.
type errorList []error

// add records err (nil is ignored; a list is flattened).
func (l *errorList) add(err error) {
	if err == nil {
		return
	}
	if many, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range many.Unwrap() {
			l.add(e)
		}
		return
	}
	if len(*l) < MaxErrors {
		*l = append(*l, err)
	}
}

// full reports whether no more errors will be kept.
func (l errorList) full() bool { return len(l) >= MaxErrors }

// err returns nil, the one error, or an *Errors of them all.
func (l errorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return &Errors{List: append([]error(nil), l...)}
}

// Errors is every problem found in a configuration (at most MaxErrors),
// each usually a *FieldError; errors.As finds the first FieldError.
type Errors struct {
	List []error
}

// Error prints one error a line, in the order found.
func (e *Errors) Error() string {
	msgs := make([]string, len(e.List))
	for i, err := range e.List {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (e *Errors) Unwrap() []error { return e.List }

var _ interface{ Unwrap() []error } = (*Errors)(nil)
