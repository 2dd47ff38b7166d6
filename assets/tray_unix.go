//go:build !windows

package assets

// TrayIcon returns the icon for systray.SetIcon: a 64 px PNG (the tray
// host scales it). On macOS pass TemplateIcon too, via SetTemplateIcon.
func TrayIcon(k Kind) []byte { return PNG(k, 64) }
