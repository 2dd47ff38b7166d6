// Command ssokeeper keeps single-sign-on sessions alive: it refreshes
// OAuth 2.0 / OpenID Connect and AWS IAM Identity Center tokens before they
// expire, shows their health in the tray, and hands fresh tokens to other
// tools. See README.md.
package main

import (
	"os"
	"runtime"

	"github.com/ssokeeper/ssokeeper/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// The tray must run on the main thread on macOS; the CLI runs it from
// main's goroutine, so keep that goroutine there.
func init() { runtime.LockOSThread() }

func main() {
	os.Exit(cli.Main(os.Args[1:], &cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Version: version,
	}))
}
