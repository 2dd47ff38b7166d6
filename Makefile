# Everyday entry points; the real work is in scripts/ so CI runs the same.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)

.PHONY: build test vet dist check-dist clean

# build: this machine's ssokeeper, with the version stamped in.
build:
	go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o ssokeeper .

test:
	bash scripts/test.sh

vet:
	go vet ./...

# dist: Linux and Windows binaries, .deb and .rpm into dist/ (scripts/dist.sh).
dist:
	VERSION=$(VERSION) bash scripts/dist.sh

# check-dist: install the .deb and check it (root; scripts/check-dist.sh).
check-dist:
	bash scripts/check-dist.sh

clean:
	rm -rf dist ssokeeper ssokeeper.exe rsrc_windows_*.syso
