package agent

import (
	"context"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// NetworkManager's NM_STATE_CONNECTED_SITE: a network is there, maybe
// not the internet (a company network with its own IdP is enough).
const nmConnectedSite = 60

// settle gathers a burst of route changes into one retry.
const settle = 2 * time.Second

// watchNetwork calls up when the network (re)connects: NetworkManager's
// StateChanged on the system bus where it runs, else the kernel's route
// and address changes over netlink.
func watchNetwork(ctx context.Context, up func(), log *slog.Logger) {
	if watchNetworkManager(ctx, up, log) {
		return
	}
	watchNetlink(ctx, up, log)
}

// watchNetworkManager follows NetworkManager until ctx ends. It returns
// false at once when there is no system bus or no NetworkManager on it.
func watchNetworkManager(ctx context.Context, up func(), log *slog.Logger) bool {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.NetworkManager").Store(&has); err != nil || !has {
		return false
	}
	err = conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.NetworkManager"), dbus.WithMatchMember("StateChanged"),
		dbus.WithMatchObjectPath("/org/freedesktop/NetworkManager"))
	if err != nil {
		return false
	}
	ch := make(chan *dbus.Signal, 8)
	conn.Signal(ch)
	log.Debug("following the network through NetworkManager")
	// Not known to be connected until NetworkManager says so: at login
	// the agent often starts before the network is up. A retry too many
	// costs nothing: only sessions waiting out a backoff are touched.
	connected := false
	for {
		select {
		case <-ctx.Done():
			return true
		case sig, ok := <-ch:
			if !ok {
				return true
			}
			if len(sig.Body) != 1 {
				continue
			}
			state, _ := sig.Body[0].(uint32)
			now := state >= nmConnectedSite
			if now && !connected {
				log.Info("the network is up (NetworkManager); retrying sessions that could not reach their identity provider")
				up()
			}
			connected = now
		}
	}
}

// watchNetlink calls up, once a burst settles, after any route or
// address is added: a link came up, DHCP answered, a VPN connected.
func watchNetlink(ctx context.Context, up func(), log *slog.Logger) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_ROUTE)
	if err != nil {
		log.Debug("not following the network; sessions retry on their backoff", "err", err)
		return
	}
	groups := uint32(unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: groups}); err != nil {
		syscall.Close(fd)
		log.Debug("not following the network; sessions retry on their backoff", "err", err)
		return
	}
	// A non-blocking fd goes to Go's poller, so Close ends a pending Read.
	f := os.NewFile(uintptr(fd), "netlink")
	defer f.Close()
	go func() { <-ctx.Done(); f.Close() }()
	log.Debug("following the network through netlink")
	changed := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			if err != nil {
				close(changed)
				return
			}
			msgs, err := syscall.ParseNetlinkMessage(buf[:n])
			if err != nil {
				continue
			}
			for _, m := range msgs {
				if m.Header.Type == syscall.RTM_NEWROUTE || m.Header.Type == syscall.RTM_NEWADDR {
					select {
					case changed <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case _, ok := <-changed:
			if !ok {
				if timer != nil {
					timer.Stop()
				}
				return
			}
			if timer == nil {
				timer = time.NewTimer(settle)
			} else {
				timer.Reset(settle)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			log.Info("the network changed; retrying sessions that could not reach their identity provider")
			up()
		}
	}
}
