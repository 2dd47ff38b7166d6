# Shared by scripts/test.sh and bench/idle-agent.sh (sourced, not run):
# Debian packages, a throw-away HOME and an unlocked gnome-keyring on the
# private session bus those scripts start with dbus-run-session.
# The caller sets SCRIPT_NAME, DEB_PACKAGES and KEYRING_WAIT_SECONDS.

die() {
	echo "$SCRIPT_NAME: $*" >&2
	exit 2
}

# install_packages installs the missing DEB_PACKAGES (as root), or says
# which to install and exits 2.
install_packages() {
	local missing=() p
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "$SCRIPT_NAME: missing Debian packages: ${missing[*]}" >&2
		echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 2
	fi
	echo "$SCRIPT_NAME: installing ${missing[*]}" >&2
	# Lock::Timeout waits for another apt run instead of failing at once.
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
	apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# need_go puts /usr/local/go/bin on PATH when go is not found.
need_go() {
	command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
	command -v go >/dev/null || die "go is not installed or not on PATH (expected /usr/local/go/bin/go)"
}

# throwaway_home keeps Go's module and build caches (and its settings file)
# at their real places, then points HOME and the XDG directories into $1,
# so nothing touches the real user's keyring or files.
throwaway_home() {
	export GOPATH GOMODCACHE GOCACHE GOENV
	GOPATH=$(go env GOPATH)
	GOMODCACHE=$(go env GOMODCACHE)
	GOCACHE=$(go env GOCACHE)
	GOENV=$(go env GOENV)
	export HOME="$1/home"
	export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
	export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
	export XDG_RUNTIME_DIR="$1/run"
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	chmod 700 "$HOME" "$XDG_RUNTIME_DIR"
	unset DBUS_SESSION_BUS_ADDRESS SSOKEEPER_CONFIG SSOKEEPER_STATE_DIR SSOKEEPER_RUNTIME_DIR
}

# start_keyring starts an unlocked gnome-keyring on the session bus and
# waits until it owns org.freedesktop.secrets: a client asking earlier
# would make D-Bus activate a second, locked daemon that hangs the run.
# NameHasOwner itself never activates anything. Killed on EXIT.
start_keyring() {
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/keyring.log" 2>&1 &
	keyring_pid=$!
	trap 'kill "$keyring_pid" 2>/dev/null || true' EXIT
	local deadline=$((SECONDS + KEYRING_WAIT_SECONDS))
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$keyring_pid" 2>/dev/null; then
			echo "$SCRIPT_NAME: gnome-keyring-daemon did not provide org.freedesktop.secrets within ${KEYRING_WAIT_SECONDS}s; its log:" >&2
			cat "$HOME/keyring.log" >&2
			exit 2
		fi
		sleep 0.1
	done
}
