package tray

// menuText is the label as is: macOS menus have no mnemonic marker.
func menuText(s string) string { return s }
