package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
	"time"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
)

// cmdServe runs upstat exactly as `upstat serve --config FILE` does, plus
// the pprof handlers on a separate address, so a load run can be profiled
// without a profiling endpoint in the product. With -cpuprofile it also
// writes a CPU profile of the whole run when it stops.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file")
	pprofAddr := fs.String("pprof", "127.0.0.1:0", "serve /debug/pprof here")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	level := fs.String("log-level", "warn", "log level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("%w: -log-level %q", errUsage, *level)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	cfg, err := config.Load(*file)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *pprofAddr)
	if err != nil {
		return fmt.Errorf("pprof listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	psrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = psrv.Serve(ln) }()
	defer psrv.Close()
	fmt.Fprintf(stderr, "pprof on http://%s/debug/pprof/\n", ln.Addr())
	runtime.SetMutexProfileFraction(100)
	if *cpuProfile != "" {
		fh, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer fh.Close()
		if err := rpprof.StartCPUProfile(fh); err != nil {
			return err
		}
		defer rpprof.StopCPUProfile()
	}
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
