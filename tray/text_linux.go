//go:build linux || freebsd || openbsd || netbsd

package tray

import "strings"

// menuText escapes a label for the menu: dbusmenu hosts read "_" as the
// mnemonic marker ("invalid_grant" would show as "invalidgrant").
func menuText(s string) string { return strings.ReplaceAll(s, "_", "__") }
