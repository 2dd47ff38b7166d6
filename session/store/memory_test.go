package store

import (
	"errors"
	"testing"
)

func TestMemory(t *testing.T) {
	m := NewMemory()
	var _ Secrets = m
	if _, err := m.Get("work", "refresh_token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an absent secret: %v, want ErrNotFound", err)
	}
	m.Set("work", "refresh_token", "rt1")
	if got := m.Snapshot(); len(got) != 1 || got["work/refresh_token"] != "rt1" {
		t.Fatalf("Snapshot = %v", got)
	}

	locked := errors.New("keyring locked")
	m.SetFailure(locked)
	for _, err := range []error{
		m.Set("work", "refresh_token", "rt2"),
		m.Delete("work", "refresh_token"),
		func() error { _, err := m.Get("work", "refresh_token"); return err }(),
	} {
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, locked) {
			t.Errorf("call with a failure set: %v, want ErrUnavailable wrapping the failure", err)
		}
	}

	m.SetFailure(nil)
	if v, err := m.Get("work", "refresh_token"); err != nil || v != "rt1" {
		t.Fatalf("Get after healing: %q, %v", v, err)
	}
	m.Delete("work", "refresh_token")
	if err := m.Delete("work", "refresh_token"); err != nil {
		t.Errorf("Delete of an absent secret: %v", err)
	}
	if len(m.Snapshot()) != 0 {
		t.Errorf("Snapshot after Delete = %v", m.Snapshot())
	}
}
