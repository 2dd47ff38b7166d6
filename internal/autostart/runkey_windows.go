package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

func systemRunKey() runKey { return hkcuKey{path: runKeyPath} }

// hkcuKey is a key under HKEY_CURRENT_USER: the Run key, or a test key.
type hkcuKey struct{ path string }

func (h hkcuKey) Get(name string) (string, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, h.path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (h hkcuKey) Set(name, value string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, h.path, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(name, value)
}

func (h hkcuKey) Delete(name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, h.path, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
