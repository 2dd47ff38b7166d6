package api

import "golang.org/x/sys/unix"

func peerCredUID(fd int) (uint32, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, err
	}
	return cred.Uid, nil
}

// unreadBytesIoctl is FIONREAD of <sys/filio.h>, _IOR('f', 127, int).
const unreadBytesIoctl = 0x4004667f
