package cli

import "context"

// Placeholder until its piece lands.
func cmdGitCredential(ctx context.Context, e *Env, g *Globals, args []string) int {
	return exitUsage
}
