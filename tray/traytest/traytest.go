// Package traytest reads and clicks a tray icon over D-Bus as a tray host
// (a panel) does: the StatusNotifierItem's properties and its dbusmenu
// (com.canonical.dbusmenu) layout. It also offers a minimal
// StatusNotifierWatcher, so a program that checks for a tray host finds
// one on a private test bus.
package traytest

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png" // tray icons are PNG
	"strings"

	"github.com/godbus/dbus/v5"
)

const (
	itemPath = dbus.ObjectPath("/StatusNotifierItem")
	menuPath = dbus.ObjectPath("/StatusNotifierItem/menu")
	itemIf   = "org.kde.StatusNotifierItem"
	menuIf   = "com.canonical.dbusmenu"
)

// ItemName is the bus name fyne.io/systray takes for process pid.
func ItemName(pid int) string { return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid) }

// Item is a tray icon on the bus: Dest is its bus name.
type Item struct {
	Conn *dbus.Conn
	Dest string
}

// Node is one menu entry as a host reads it.
type Node struct {
	ID       int32
	Label    string // as shown: "__" unescaped to "_"
	Visible  bool
	Enabled  bool
	Toggle   int32
	Children []Node
}

// Layout reads the whole menu (GetLayout from the root, all levels).
func (it Item) Layout() (Node, error) {
	var rev uint32
	var root struct {
		ID    int32
		Props map[string]dbus.Variant
		Kids  []dbus.Variant
	}
	call := it.Conn.Object(it.Dest, menuPath).Call(menuIf+".GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return Node{}, fmt.Errorf("traytest: GetLayout: %w", err)
	}
	return toNode(root.ID, root.Props, root.Kids), nil
}

func toNode(id int32, props map[string]dbus.Variant, kids []dbus.Variant) Node {
	n := Node{ID: id, Visible: true, Enabled: true}
	if v, ok := props["label"]; ok {
		n.Label, _ = v.Value().(string)
		n.Label = strings.ReplaceAll(n.Label, "__", "_")
	}
	if v, ok := props["visible"]; ok {
		n.Visible, _ = v.Value().(bool)
	}
	if v, ok := props["enabled"]; ok {
		n.Enabled, _ = v.Value().(bool)
	}
	if v, ok := props["toggle-state"]; ok {
		n.Toggle, _ = v.Value().(int32)
	}
	for _, k := range kids {
		// Children arrive as (ia{sv}av) structs, decoded as []any.
		if s, ok := k.Value().([]any); ok && len(s) == 3 {
			id, _ := s[0].(int32)
			p, _ := s[1].(map[string]dbus.Variant)
			c, _ := s[2].([]dbus.Variant)
			n.Children = append(n.Children, toNode(id, p, c))
		}
	}
	return n
}

// Labels lists the visible labels, submenu entries prefixed by ">" per
// level, in menu order.
func (n Node) Labels() []string { return n.labels("") }

func (n Node) labels(prefix string) []string {
	var out []string
	for _, c := range n.Children {
		if !c.Visible || c.Label == "" {
			continue
		}
		out = append(out, prefix+c.Label)
		out = append(out, c.labels(prefix+">")...)
	}
	return out
}

// Find follows a path of label prefixes through visible entries, e.g.
// Find("work —", "Sign in").
func (n Node) Find(path ...string) (Node, bool) {
	if len(path) == 0 {
		return n, true
	}
	for _, c := range n.Children {
		if c.Visible && strings.HasPrefix(c.Label, path[0]) {
			return c.Find(path[1:]...)
		}
	}
	return Node{}, false
}

// Click reads the menu, finds the entry by its path of label prefixes and
// sends it the "clicked" event, as a host does when the person clicks.
func (it Item) Click(path ...string) error {
	root, err := it.Layout()
	if err != nil {
		return err
	}
	n, ok := root.Find(path...)
	if !ok {
		return fmt.Errorf("traytest: no visible menu entry %q; the menu reads %q", path, root.Labels())
	}
	if !n.Enabled {
		return fmt.Errorf("traytest: menu entry %q is disabled", path)
	}
	call := it.Conn.Object(it.Dest, menuPath).Call(menuIf+".Event", 0, n.ID, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		return fmt.Errorf("traytest: click %q: %w", path, call.Err)
	}
	return nil
}

// Activate is a primary click on the icon itself.
func (it Item) Activate() error {
	return it.Conn.Object(it.Dest, itemPath).Call(itemIf+".Activate", 0, int32(0), int32(0)).Err
}

// Icon returns the ARGB pixels of the item's IconPixmap.
func (it Item) Icon() ([]byte, error) {
	v, err := it.Conn.Object(it.Dest, itemPath).GetProperty(itemIf + ".IconPixmap")
	if err != nil {
		return nil, fmt.Errorf("traytest: IconPixmap: %w", err)
	}
	var px []struct {
		W, H int32
		Pix  []byte
	}
	if err := v.Store(&px); err != nil {
		return nil, fmt.Errorf("traytest: IconPixmap: %w", err)
	}
	if len(px) != 1 {
		return nil, fmt.Errorf("traytest: IconPixmap has %d images, want 1", len(px))
	}
	return px[0].Pix, nil
}

// Tooltip returns the tooltip's title.
func (it Item) Tooltip() (string, error) {
	v, err := it.Conn.Object(it.Dest, itemPath).GetProperty(itemIf + ".ToolTip")
	if err != nil {
		return "", fmt.Errorf("traytest: ToolTip: %w", err)
	}
	var tip struct {
		Name   string
		Pixmap []struct {
			W, H int32
			Pix  []byte
		}
		Title, Text string
	}
	if err := v.Store(&tip); err != nil {
		return "", fmt.Errorf("traytest: ToolTip: %w", err)
	}
	return tip.Title, nil
}

// Pixels converts a PNG to the ARGB bytes a StatusNotifierItem exports,
// the way fyne.io/systray does, to compare with Icon.
func Pixels(png []byte) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return nil, fmt.Errorf("traytest: decode icon: %w", err)
	}
	var out []byte
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			out = append(out, byte(a), byte(r), byte(g), byte(bl))
		}
	}
	return out, nil
}

// Signals subscribes to every signal the item sends (menu and icon
// changes). Wait on the channel instead of polling; cancel ends it.
func (it Item) Signals() (<-chan *dbus.Signal, func(), error) {
	var owner string
	if err := it.Conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, it.Dest).Store(&owner); err != nil {
		return nil, nil, fmt.Errorf("traytest: %s has no owner: %w", it.Dest, err)
	}
	opt := dbus.WithMatchSender(owner)
	if err := it.Conn.AddMatchSignal(opt); err != nil {
		return nil, nil, fmt.Errorf("traytest: listen to %s: %w", it.Dest, err)
	}
	ch := make(chan *dbus.Signal, 64)
	it.Conn.Signal(ch)
	return ch, func() {
		it.Conn.RemoveSignal(ch)
		it.Conn.RemoveMatchSignal(opt) //nolint:errcheck
	}, nil
}
