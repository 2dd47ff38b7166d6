package assets

// TrayIcon returns the icon for systray.SetIcon: Windows wants an ICO.
func TrayIcon(k Kind) []byte { return ICO(k) }
