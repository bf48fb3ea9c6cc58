package sqlite

import (
	"context"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

func TestAlertStore(t *testing.T) {
	alerttest.StoreSuite(t, func(t *testing.T) (alert.Store, func() alert.Store) {
		db, path := openTemp(t)
		return db.Alerts(), func() alert.Store {
			again, err := Open(context.Background(), "sqlite:"+path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = again.Close() })
			return again.Alerts()
		}
	})
}
