package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// Config loads the configuration at path with load (providers.LoadConfig
// in the program, which also reads ~/.aws/config). On failure it returns
// nil and a failed check whose Detail lists every problem, one a line.
func Config(path string, load func(string) (*config.Config, error)) (*config.Config, Check) {
	var cfg *config.Config
	c := timed(func() Check {
		var err error
		cfg, err = load(path)
		var cerr *config.Error
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fail(NameConfig, path+": no configuration file yet",
				"Start the agent once (`ssokeeper`) to get a commented template, or create the file (see README).")
		case errors.As(err, &cerr):
			lines := make([]string, len(cerr.Problems))
			for i, p := range cerr.Problems {
				lines[i] = p.String()
			}
			return fail(NameConfig, strings.Join(lines, "\n"),
				"Fix the lines above, then run `ssokeeper config validate`.")
		case err != nil:
			return fail(NameConfig, err.Error(), "Fix the file, then run `ssokeeper config validate`.")
		}
		return pass(NameConfig, fmt.Sprintf("%s, %d session(s)", path, len(cfg.Sessions)))
	})
	if !c.OK {
		cfg = nil
	}
	return cfg, c
}
