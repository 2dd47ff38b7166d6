//go:build linux || darwin

package api

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerUID returns the user ID of the process at the other end of c, as
// the kernel reports it (peerCredUID: SO_PEERCRED or LOCAL_PEERCRED).
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var uid uint32
	var cerr error
	if err := raw.Control(func(fd uintptr) { uid, cerr = peerCredUID(int(fd)) }); err != nil {
		return -1, err
	}
	if cerr != nil {
		return -1, cerr
	}
	return int(uid), nil
}

func myUID() int { return os.Getuid() }

// pendingBytes is how many bytes wait unread on c: a caller that sent its
// request is not idle, even if the server has not read it yet.
func pendingBytes(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	raw.Control(func(fd uintptr) { //nolint:errcheck
		n, _ = unix.IoctlGetInt(int(fd), unreadBytesIoctl)
	})
	return n
}
