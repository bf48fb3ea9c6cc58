package alert_test

import (
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

func TestMemStore(t *testing.T) {
	alerttest.StoreSuite(t, func(t *testing.T) (alert.Store, func() alert.Store) {
		s := alert.NewMemStore()
		return s, func() alert.Store { return s }
	})
}
