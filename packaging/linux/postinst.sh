#!/bin/sh
# Runs after install and after removal of the package: refresh the icon
# cache and the launcher database so menus show (or drop) ssokeeper at once.
# Each tool is optional; a failure here must not fail the package.
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
	gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database -q /usr/share/applications || true
fi
exit 0
