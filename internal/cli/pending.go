package cli

import (
	"context"
	"fmt"
)

// Placeholder until its piece lands.
func cmdDoctor(ctx context.Context, e *Env, g *Globals, args []string) int {
	fmt.Fprintln(e.Stderr, "doctor: not yet implemented")
	return exitUsage
}
