# pod — build, test, install.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
# systemd looks for generators of the system and user managers here (also
# under /usr/lib and /etc).
SYSTEMDGENERATORDIR ?= $(PREFIX)/lib/systemd/system-generators
USERGENERATORDIR ?= $(PREFIX)/lib/systemd/user-generators
# ... and units of the system and user managers (pod-restart.service, pod.socket, pod.service,
# pod-auto-update.service and .timer).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
GO ?= go
TAGS := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/pod-engine/pod/pkg/version.GitCommit=$(COMMIT) \
	-X github.com/pod-engine/pod/pkg/version.BuildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)
GOFLAGS_BUILD := -tags "$(TAGS)" -ldflags "$(LDFLAGS)"

# Debian packages pod needs at run time and its tests need.
DEB_RUNTIME := runc crun criu uidmap fuse-overlayfs slirp4netns containernetworking-plugins iptables catatonit \
	iproute2 ca-certificates
DEB_BUILD := gcc libc6-dev pkg-config git make
DEB_TEST := docker-registry busybox-static util-linux procps curl docker-compose systemd sqlite3 gnupg
# What `make bench` compares pod with, and measures it by.
DEB_BENCH := podman conmon runc skopeo docker-registry busybox-static

.PHONY: all build deps test unit e2e vm-test bench bench-smoke install clean fmt vet

all: build

build: bin/pod bin/pod-conmon bin/pod-systemd-generator

bin/pod: $(shell find cmd pkg -name '*.go' -o -name '*.c' 2>/dev/null) go.mod go.sum
	$(GO) build $(GOFLAGS_BUILD) -o $@ ./cmd/pod

# pod-conmon runs once per container: static, stripped, no cgo, to stay small.
bin/pod-conmon: $(shell find cmd/pod-conmon pkg/conmon -name '*.go' 2>/dev/null) go.mod go.sum
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $@ ./cmd/pod-conmon

# The Quadlet generator runs at every boot and daemon-reload: static, no cgo.
bin/pod-systemd-generator: $(shell find cmd/pod-systemd-generator pkg/quadlet -name '*.go' 2>/dev/null) go.mod go.sum
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.podPath=$(BINDIR)/pod" -o $@ ./cmd/pod-systemd-generator

# deps installs everything a fresh Debian machine lacks to build, run and test pod.
deps:
	./hack/install-deps.sh $(DEB_RUNTIME) $(DEB_BUILD) $(DEB_TEST)

test: unit e2e vm-test

unit:
	$(GO) test -tags "$(TAGS)" -count=1 ./pkg/... ./cmd/... ./internal/... ./bench/...

# e2e runs the end-to-end suite against the built binaries, as root and (when
# run as root) as the unprivileged user POD_TEST_USER.
e2e: build bin/docker-compose-v2
	POD_BINARY=$(CURDIR)/bin/pod POD_COMPOSE_V2=$(CURDIR)/bin/docker-compose-v2 $(GO) test -tags "$(TAGS)" -count=1 -timeout 30m ./test/e2e/... $(E2E_ARGS)

# The docker compose v2 plugin the API tests drive, from its own module so
# that compose's dependencies stay out of pod's go.mod.
bin/docker-compose-v2: test/composev2/go.mod test/composev2/go.sum
	cd test/composev2 && $(GO) build -o $(CURDIR)/$@ github.com/docker/compose/v5/cmd

# vm-test runs the e2e tests named in test/vm/tests.txt in a Debian 12 guest
# with systemd and pure cgroup v2, as root and as a plain user in a systemd
# user session (test/vm/README.md). VM_ARGS="-run REGEX" picks other tests.
DEB_VM := qemu-system-x86 qemu-utils debootstrap e2fsprogs
vm-test: build
	./hack/install-deps.sh $(DEB_VM)
	$(GO) test -c -tags "$(TAGS)" -o bin/e2e.test ./test/e2e
	./test/vm/run.sh $(VM_ARGS)

# bench measures pod against podman (bench/README.md); never part of test.
# The VM scenario boots test/vm's guest (DEB_VM; its image is built once).
bench:
	./hack/install-deps.sh $(DEB_RUNTIME) $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH) $(DEB_VM)
	$(MAKE) build bin/podbench
	./bench/run.sh $(BENCH_ARGS)

# bench-smoke checks that every scenario runs (2 rounds, ps -a up to 100
# containers) and fails if one measured nothing; bench/RESULTS.md is left as
# it is (the table goes to $TMPDIR/podbench-smoke.md).
bench-smoke:
	$(MAKE) bench BENCH_ARGS='-smoke $(BENCH_ARGS)'

bin/podbench: $(shell find bench internal -name '*.go' 2>/dev/null) go.mod go.sum
	$(GO) build -tags "$(TAGS)" -o $@ ./bench/podbench

install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/pod $(DESTDIR)$(BINDIR)/pod
	install -m 0755 bin/pod-conmon $(DESTDIR)$(BINDIR)/pod-conmon
	install -d $(DESTDIR)$(LIBEXECDIR)/pod $(DESTDIR)$(SYSTEMDGENERATORDIR) $(DESTDIR)$(USERGENERATORDIR)
	install -m 0755 bin/pod-systemd-generator $(DESTDIR)$(LIBEXECDIR)/pod/pod-systemd-generator
	ln -sf $(LIBEXECDIR)/pod/pod-systemd-generator $(DESTDIR)$(SYSTEMDGENERATORDIR)/pod-system-generator
	ln -sf $(LIBEXECDIR)/pod/pod-systemd-generator $(DESTDIR)$(USERGENERATORDIR)/pod-user-generator
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(USERUNITDIR)
	for u in pod-restart.service pod.socket pod.service pod-auto-update.service pod-auto-update.timer; do \
		sed 's|@@POD@@|$(BINDIR)/pod|g' contrib/systemd/$$u >bin/$$u.unit && \
		install -m 0644 bin/$$u.unit $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		install -m 0644 bin/$$u.unit $(DESTDIR)$(USERUNITDIR)/$$u || exit 1; \
	done

vet:
	$(GO) vet -tags "$(TAGS)" ./...

fmt:
	gofmt -l -w cmd pkg test internal bench

clean:
	rm -rf bin
