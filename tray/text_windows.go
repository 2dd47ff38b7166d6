package tray

import "strings"

// menuText escapes a label for the menu: Windows menus read "&" as the
// mnemonic marker.
func menuText(s string) string { return strings.ReplaceAll(s, "&", "&&") }
