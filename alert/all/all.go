// Package all registers every notifier kind upstat ships: import it for
// its side effect.
package all

import (
	// Each registers its kind with alert.Register in init.
	_ "github.com/upstat/upstat/alert/alertmanager"
	_ "github.com/upstat/upstat/alert/email"
	_ "github.com/upstat/upstat/alert/opsgenie"
	_ "github.com/upstat/upstat/alert/pagerduty"
	_ "github.com/upstat/upstat/alert/slack"
	_ "github.com/upstat/upstat/alert/teams"
	_ "github.com/upstat/upstat/alert/webhook"
)
