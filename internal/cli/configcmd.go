package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
	"golang.org/x/term"
)

func cmdConfig(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "config", "path|validate", "path: print the configuration file in use. validate: check it and list every problem as file:line: field: what to fix.")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 || (pos[0] != "path" && pos[0] != "validate") {
		fs.Usage()
		return exitUsage
	}
	path, err := configPath()
	if err != nil {
		return report(e, err)
	}
	if pos[0] == "path" {
		fmt.Fprintln(e.Stdout, path)
		return exitOK
	}
	cfg, err := providers.LoadConfig(path)
	if errors.Is(err, errNotExist) {
		fmt.Fprintf(e.Stderr, "%s: no configuration file yet; start the agent once (`ssokeeper`) to get a commented template, or create it (see README)\n", path)
		return exitUsage
	}
	if err != nil {
		return configFailure(e, err)
	}
	fmt.Fprintf(e.Stdout, "%s: OK, %d session(s)\n", path, len(cfg.Sessions))
	return exitOK
}

var errNotExist = iofs.ErrNotExist

func cmdSecret(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "secret", "set NAME", "Store a session's client secret in the keyring, read from stdin (so it never appears in argv or shell history): `ssokeeper secret set work < secret.txt`.")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 2 || pos[0] != "set" {
		fs.Usage()
		return exitUsage
	}
	name := pos[1]
	secret, err := readSecret(e, name)
	if secret == "" {
		fmt.Fprintf(e.Stderr, "no secret read from stdin (%v); nothing stored\n", err)
		return exitUsage
	}
	if err := store.NewKeyring(keyringTimeout).Set(name, "client_secret", secret); err != nil {
		return report(e, err)
	}
	fmt.Fprintf(e.Stderr, "Stored the client secret for %s in the keyring.\n", name)
	return exitOK
}

// readSecret reads one line from stdin, without echo when it is a terminal
// (a secret must not stay on the screen or in a scrollback).
func readSecret(e *Env, name string) (string, error) {
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.Stderr, "Client secret for %s (not shown): ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimSpace(line), err
}
