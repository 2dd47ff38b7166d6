//go:build !linux && !darwin

package api

import "net"

// On Windows the socket lives in the user's own profile directory
// (%LocalAppData%), whose ACL already admits only that user; AF_UNIX has no
// peer credentials there.
func peerUID(net.Conn) (int, error) { return 0, nil }

func myUID() int { return 0 }

// pendingBytes is unknown here: the age of a silent connection decides.
func pendingBytes(net.Conn) int { return 0 }
