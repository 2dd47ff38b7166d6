package cli

import (
	"context"
	"fmt"
)

// Placeholder until its piece lands.
func cmdToken(ctx context.Context, e *Env, g *Globals, args []string) int {
	fmt.Fprintln(e.Stderr, "token: not yet implemented")
	return exitUsage
}
