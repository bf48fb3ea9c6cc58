package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file (default: the built-in vendor set)")
	listen := fs.String("listen", "", "listen address, overrides the config's listen")
	logFormat, logLevel := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	cfg := config.Default()
	if *file != "" {
		if cfg, err = config.Load(*file); err != nil {
			return err
		}
	}
	setGCPercent(log)
	setMemoryLimit(cfg, cgroupMemoryMax("/sys/fs/cgroup/memory.max"), log)
	a, err := app.New(ctx, cfg, app.Options{Log: log, Listen: *listen})
	if err != nil {
		return err
	}
	reloadOnHangup(ctx, a, log)
	return a.Run(ctx)
}

// reloadOnHangup reloads the configuration on every SIGHUP until ctx ends.
// The handler is in place when it returns (SIGHUP's default is to exit).
func reloadOnHangup(ctx context.Context, a *app.App, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		hangups(ctx, hup, a, log)
	}()
}

func hangups(ctx context.Context, hup <-chan os.Signal, a *app.App, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := a.Reload(ctx); err != nil {
				log.Error("reload refused; the running configuration stays", "err", err)
			}
		}
	}
}

func cmdValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && *file == "":
		*file = pos[0] // upstat validate FILE
	case len(pos) > 0:
		return fmt.Errorf("%w: give one FILE or --config FILE", errUsage)
	case *file == "":
		return fmt.Errorf("%w: --config FILE (or FILE) is required", errUsage)
	}
	cfg, err := config.Load(*file)
	if err != nil {
		return err
	}
	sources := 0
	for _, v := range cfg.Vendors {
		sources += len(v.Sources)
	}
	fmt.Fprintf(stdout, "%s: ok (%d vendors, %d sources)\n", *file, len(cfg.Vendors), sources)
	return nil
}
