//go:build linux

package tray

import "testing"

func TestMenuTextKeepsUnderscores(t *testing.T) {
	if got := menuText("aws_prod — invalid_grant"); got != "aws__prod — invalid__grant" {
		t.Errorf("menuText = %q", got)
	}
}
