package api

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (an event stream handler, a
// subscription) outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
