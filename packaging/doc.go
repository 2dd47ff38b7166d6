// Package packaging holds what the systems' packages need (launcher,
// AppStream metadata, nfpm config, macOS Info.plist, Windows resource); its
// tests check those files. scripts/dist.sh builds the packages from them.
package packaging
