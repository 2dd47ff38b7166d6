package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// helperEnv makes the test binary, re-executed, hold a session lock until
// its standard input closes: a second process for the lock tests.
const helperEnv = "SSOKEEPER_STORE_LOCK_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(lockHelper(dir))
	}
	os.Exit(m.Run())
}

func lockHelper(dir string) int {
	unlock, err := Lock(context.Background(), dir, "work")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	unlock()
	return 0
}

// startHolder runs a helper process that holds the lock of "work" in dir.
func startHolder(t *testing.T, dir string) (cmd *exec.Cmd, stdin io.WriteCloser) {
	t.Helper()
	cmd = exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, _ = cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("helper process did not take the lock: %q, %v", line, err)
	}
	return cmd, stdin
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin := startHolder(t, dir)

	if _, ok, err := TryLock(dir, "work"); ok || err != nil {
		t.Fatalf("TryLock while another process holds the lock: ok=%v, %v; want false", ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir, "work"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while another process holds it: %v; want it to give up when ctx ends", err)
	}
	// Another session is not held back.
	if unlock, ok, err := TryLock(dir, "home"); !ok || err != nil {
		t.Fatalf("TryLock of another session: ok=%v, %v", ok, err)
	} else {
		unlock()
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	unlock, err := Lock(context.Background(), dir, "work")
	if err != nil {
		t.Fatalf("Lock after the other process unlocked: %v", err)
	}
	unlock()

	// A process that dies holding the lock does not keep it.
	cmd, _ = startHolder(t, dir)
	cmd.Process.Kill()
	cmd.Wait()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if unlock, err := Lock(ctx, dir, "work"); err != nil {
		t.Fatalf("Lock after the holder died: %v", err)
	} else {
		unlock()
	}
	if _, err := os.Stat(filepath.Join(dir, "locks", "work.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

func TestLockInProcess(t *testing.T) {
	dir := t.TempDir()
	unlock, ok, err := TryLock(dir, "work")
	if !ok || err != nil {
		t.Fatalf("TryLock of a free lock: ok=%v, %v", ok, err)
	}
	if _, ok, _ := TryLock(dir, "work"); ok {
		t.Fatal("a second TryLock in the same process succeeded")
	}

	// Lock waits for the holder and gets the lock once it is released.
	var released atomic.Bool
	got := make(chan error, 1)
	go func() {
		unlock2, err := Lock(context.Background(), dir, "work")
		if err == nil {
			if !released.Load() {
				err = errors.New("Lock returned while the lock was still held")
			}
			unlock2()
		}
		got <- err
	}()
	released.Store(true)
	unlock()
	unlock() // a second call is harmless
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Lock did not take the released lock")
	}
}

func TestLockAgent(t *testing.T) {
	dir := t.TempDir()
	unlock, ok, err := LockAgent(dir)
	if !ok || err != nil {
		t.Fatalf("LockAgent: ok=%v, %v", ok, err)
	}
	if _, ok, _ := LockAgent(dir); ok {
		t.Fatal("a second agent got the agent lock")
	}
	// The agent lock and a session called "agent" are different locks.
	if u, ok, _ := TryLock(dir, "agent"); !ok {
		t.Error("the session named agent is blocked by the agent lock")
	} else {
		u()
	}
	if _, err := os.Stat(filepath.Join(dir, "agent.lock")); err != nil {
		t.Errorf("agent lock file: %v", err)
	}
	unlock()
	if u, ok, _ := LockAgent(dir); !ok {
		t.Fatal("LockAgent after unlock failed")
	} else {
		u()
	}
}

func TestLockNamesStayInDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"../escape", "a/b", "a%2Fb", ""} {
		unlock, ok, err := TryLock(dir, name)
		if !ok || err != nil {
			t.Fatalf("TryLock(%q): ok=%v, %v", name, ok, err)
		}
		defer unlock()
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "locks"))
	if len(entries) != 4 {
		t.Errorf("want 4 distinct lock files in locks/, got %v", entries)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a lock file escaped locks/: %v", entries)
	}
}

func TestLockState(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockState(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// A session called "state" has its own lock.
	if u, ok, _ := TryLock(dir, "state"); !ok {
		t.Error("the session named state is blocked by the state file lock")
	} else {
		u()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := LockState(ctx, dir); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second LockState: %v; want it to give up with ctx", err)
	}
	unlock()
	if u, err := LockState(context.Background(), dir); err != nil {
		t.Fatalf("LockState after unlock: %v", err)
	} else {
		u()
	}
}
