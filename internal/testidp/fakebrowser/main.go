// Command fakebrowser is a $BROWSER for tests: it signs in at the URL it is
// given as the test user named by TESTIDP_USER and TESTIDP_PASSWORD (see
// testidp.IdP.BrowserEnv), and appends the URL to TESTIDP_BROWSER_LOG when set.
package main

import (
	"os"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
)

func main() { os.Exit(testidp.BrowserMain(os.Args[1:])) }
