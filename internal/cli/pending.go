package cli

import (
	"context"
	"fmt"
)

// Placeholders until their pieces land.
func cmdToken(ctx context.Context, e *Env, g *Globals, args []string) int {
	fmt.Fprintln(e.Stderr, "token: not yet implemented")
	return exitUsage
}

func cmdGitCredential(ctx context.Context, e *Env, g *Globals, args []string) int {
	return exitUsage
}

func cmdDoctor(ctx context.Context, e *Env, g *Globals, args []string) int {
	fmt.Fprintln(e.Stderr, "doctor: not yet implemented")
	return exitUsage
}
