// Package cli is ssokeeper's command line. Output rules: results go to
// stdout, everything meant for a person (progress, errors, hints) to
// stderr; tokens only ever to stdout, and only from `token`.
//
// Exit codes: 0 ok; 1 a failure the person must act on (sign in, IdP
// rejected, agent missing); 2 usage or configuration error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

const (
	exitOK     = 0
	exitAction = 1
	exitUsage  = 2
)

// Env is the process's outside world, replaceable in tests.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Version        string

	refusalSaid bool // the refused-socket line was printed (once per command)
}

// Globals are the flags every command takes.
type Globals struct {
	ConfigPath string
	Verbose    bool
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, e *Env, g *Globals, args []string) int
}

func commands() []command {
	return []command{
		{"run", "[--headless]", "run the agent (the default: with a tray icon)", cmdRun},
		{"status", "[NAME] [--json | --format T]", "show every session's health", cmdStatus},
		{"login", "NAME [--device] [--if-needed] | --all-needed", "sign a session in (browser, or device code)", cmdLogin},
		{"logout", "NAME", "sign a session out and revoke its refresh token", cmdLogout},
		{"refresh", "NAME", "refresh a session now", cmdRefresh},
		{"token", "NAME [--format raw|json|header|kubectl] [--min-valid 60s] [--id-token]", "print a fresh token for other tools", cmdToken},
		{"git-credential", "get|store|erase", "git credential helper (see README)", cmdGitCredential},
		{"doctor", "[NAME] [--refresh] [--json]", "check every part a session depends on", cmdDoctor},
		{"autostart", "enable|disable|status", "start ssokeeper at login", cmdAutostart},
		{"config", "path|validate", "show or check the configuration file", cmdConfig},
		{"secret", "set NAME", "store a session's client secret in the keyring (read from stdin)", cmdSecret},
	}
}

// Main runs the command line and returns the exit code.
func Main(args []string, e *Env) int {
	g := &Globals{}
	fs := flag.NewFlagSet("ssokeeper", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.StringVar(&g.ConfigPath, "config", "", "configuration file (default $SSOKEEPER_CONFIG or "+defaultConfigHint()+")")
	fs.BoolVar(&g.Verbose, "v", false, "also log to stderr, with debug detail")
	version := fs.Bool("version", false, "print the version")
	fs.Usage = func() { usage(e.Stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(e.Stdout)
			return exitOK
		}
		return exitUsage
	}
	if *version {
		fmt.Fprintf(e.Stdout, "ssokeeper %s\n", e.Version)
		return exitOK
	}
	if g.ConfigPath != "" {
		// One place decides the path: every part reads SSOKEEPER_CONFIG.
		os.Setenv("SSOKEEPER_CONFIG", g.ConfigPath)
	}
	// SIGHUP: the session ends (logout, a closed terminal); stop cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	rest := fs.Args()
	if len(rest) == 0 {
		return cmdRun(ctx, e, g, nil) // the tray agent
	}
	name := rest[0]
	if name == "help" {
		usage(e.Stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, g, rest[1:])
		}
	}
	fmt.Fprintf(e.Stderr, "ssokeeper: unknown command %q\n", name)
	fmt.Fprintln(e.Stderr, "hint: run `ssokeeper --help` for the list of commands")
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `ssokeeper keeps your single-sign-on sessions alive: it refreshes OAuth 2.0 /
OpenID Connect and AWS IAM Identity Center tokens before they expire, shows
their health in the tray, and tells you why a refresh failed and how to fix it.

Usage:
  ssokeeper [--config PATH] [-v]            run the agent with a tray icon
  ssokeeper [--config PATH] COMMAND [ARGS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, `
Global flags:
  --config PATH   configuration file (also $SSOKEEPER_CONFIG; default %s)
  -v              log to stderr too, with debug detail
  --version       print the version

Exit codes: 0 ok; 1 something needs you (sign in, IdP refused); 2 usage or configuration error.
Run `+"`ssokeeper COMMAND --help`"+` for a command's flags.
`, defaultConfigHint())
}

func defaultConfigHint() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "<user config dir>/ssokeeper/config.toml"
	}
	return strings.ReplaceAll(dir, os.Getenv("HOME"), "~") + "/ssokeeper/config.toml"
}

// newFlags makes a subcommand's flag set with a usage line.
func newFlags(e *Env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ssokeeper %s %s\n  %s\n", name, args, summary)
		var has bool
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(fs.Output(), "Flags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses a subcommand's flags and positional arguments in any order
// (`login work --device` and `login --device work` both work).
func parse(fs *flag.FlagSet, args []string, e *Env) ([]string, int, bool) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.Stdout) // asked for: help is the result
			fs.Usage()
			return nil, exitOK, false
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// configPath is the configuration file in use.
func configPath() (string, error) { return paths.ConfigFile() }

// configFailure prints a configuration error and returns exit 2.
func configFailure(e *Env, err error) int {
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			fmt.Fprintln(e.Stderr, p.String())
		}
		fmt.Fprintf(e.Stderr, "hint: fix the lines above, then run `ssokeeper config validate`\n")
		return exitUsage
	}
	fmt.Fprintf(e.Stderr, "ssokeeper: %v\n", err)
	return exitUsage
}
