package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/upstat/upstat/alert"
	_ "github.com/upstat/upstat/alert/all" // register the notifiers
	"github.com/upstat/upstat/config"
)

// cmdAlerts handles `upstat alerts test --config FILE NOTIFIER`: it sends
// a test notification (firing, then resolved) so a user can check a
// webhook URL or routing key before an outage does.
func cmdAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "test" {
		return fmt.Errorf("%w: alerts test --config FILE NOTIFIER", errUsage)
	}
	fs := flag.NewFlagSet("alerts test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if *file == "" || len(pos) != 1 {
		return fmt.Errorf("%w: alerts test --config FILE NOTIFIER", errUsage)
	}
	cfg, err := config.Load(*file)
	if err != nil {
		return err
	}
	notifiers, err := alert.NewNotifiers(cfg.NotifierSpecs, alert.Env{})
	if err != nil {
		return err
	}
	n, ok := notifiers[pos[0]]
	if !ok {
		ids := make([]string, 0, len(notifiers))
		for id := range notifiers {
			ids = append(ids, id)
		}
		return fmt.Errorf("no notifier %q in %s (have %v)", pos[0], *file, ids)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := alert.SendTest(ctx, n); err != nil {
		return fmt.Errorf("notifier %s: %w", pos[0], err)
	}
	fmt.Fprintf(stdout, "notifier %s: test notification sent (firing, then resolved)\n", pos[0])
	return nil
}
