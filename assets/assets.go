// Package assets holds ssokeeper's icons, drawn by ./gen and embedded.
package assets

import (
	"embed"
	"fmt"
)

//go:generate go run ./gen

//go:embed icons app
var files embed.FS

// Kind is the overall health the tray icon shows.
type Kind int

const (
	NoSessions Kind = iota // hollow grey shield, no badge
	OK                     // green circle with a check
	Attention              // amber triangle with "!"
	Action                 // red circle with "×"
)

var kindNames = [...]string{"none", "ok", "attention", "action"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// TraySizes are the sizes the tray icons are drawn at.
var TraySizes = []int{16, 22, 24, 32, 48, 64}

// AppSizes are the hicolor sizes of the application icon.
var AppSizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

// PNG returns the tray icon of kind k at size px (one of TraySizes), or
// nil when there is none.
func PNG(k Kind, size int) []byte {
	return read(fmt.Sprintf("icons/%s-%d.png", k, size))
}

// TemplateIcon returns the macOS template variant (black and transparency
// only) of the tray icon, 64 px.
func TemplateIcon(k Kind) []byte {
	return read(fmt.Sprintf("icons/%s-template-64.png", k))
}

// ICO returns the Windows icon of kind k (16, 24, 32, 48 and 64 px).
func ICO(k Kind) []byte {
	return read(fmt.Sprintf("icons/%s.ico", k))
}

// AppIconPNG returns the application icon at size px (one of AppSizes), or
// nil when there is none.
func AppIconPNG(size int) []byte {
	return read(fmt.Sprintf("app/ssokeeper-%d.png", size))
}

func read(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}
