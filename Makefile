# fsmon's build. `make help` lists the targets.
#
# Version, revision and build date are stamped into the binary with -ldflags:
#   VERSION     the VERSION file
#   REVISION    `git rev-parse HEAD` (+ "-modified" for uncommitted changes) in a
#               git checkout; in a source tarball made by `git archive` (GitHub's
#               "Download ZIP/tar.gz" are) the REVISION file, which git filled in
#   BUILD_DATE  now, or SOURCE_DATE_EPOCH when set (reproducible builds)
# Any of them can be given on the command line: make build REVISION=abc123.

GO         ?= go
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DESTDIR    ?=
PODMAN     ?= podman
IMAGE      ?= fsmon
PLATFORMS  ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
SOURCE_URL ?= https://github.com/fsmon/fsmon

VERSION    ?= $(shell cat VERSION)
REVISION   ?= $(shell if [ -e .git ]; then \
                r=$$(git rev-parse HEAD 2>/dev/null) && \
                { git diff-index --quiet HEAD -- 2>/dev/null || r="$$r-modified"; } && echo "$$r"; \
              else \
                r=$$(cat REVISION 2>/dev/null); case "$$r" in (*Format:*) ;; (*) echo "$$r";; esac; \
              fi)
BUILD_DATE ?= $(shell if [ -n "$$SOURCE_DATE_EPOCH" ]; then \
                date -u -d "@$$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ; \
              else date -u +%Y-%m-%dT%H:%M:%SZ; fi)

PKG        := github.com/fsmon/fsmon/internal/buildinfo
LDFLAGS    := -s -w -X $(PKG).version=$(VERSION) -X $(PKG).revision=$(REVISION) -X $(PKG).buildDate=$(BUILD_DATE)
GOBUILD    := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'
SHA256SUM  := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo 'shasum -a 256')

.PHONY: help build install uninstall test lint release image image-context dist-src clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## bin/fsmon for this machine, stamped
	$(GOBUILD) -o bin/fsmon ./cmd/fsmon
	@bin/fsmon version

install: ## copy bin/fsmon (built first if missing) to $(DESTDIR)$(BINDIR)
	@[ -x bin/fsmon ] || $(MAKE) build
	install -d '$(DESTDIR)$(BINDIR)'
	install -m 0755 bin/fsmon '$(DESTDIR)$(BINDIR)/fsmon'

uninstall: ## remove $(DESTDIR)$(BINDIR)/fsmon
	rm -f '$(DESTDIR)$(BINDIR)/fsmon'

test: ## go test ./... (CI runs .ci/run, which also starts the test servers)
	$(GO) test ./...

lint: ## gofmt, go vet, and helm lint when helm is on the PATH
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v helm >/dev/null 2>&1; then helm lint --strict deploy/helm/fsmon; else echo "helm not found: chart not linted"; fi

release: ## dist/fsmon-VERSION.OS-ARCH.tar.gz for $(PLATFORMS), and dist/sha256sums.txt
	rm -rf dist && mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; d=fsmon-$(VERSION).$$os-$$arch; \
	  echo "build $$d"; \
	  GOOS=$$os GOARCH=$$arch $(GOBUILD) -o dist/$$d/fsmon ./cmd/fsmon; \
	  cp README.md VERSION dist/$$d/; \
	  tar -C dist --owner=0 --group=0 --numeric-owner --sort=name --mtime='$(BUILD_DATE)' -czf dist/$$d.tar.gz $$d; \
	  rm -rf dist/$$d; \
	done
	cd dist && $(SHA256SUM) *.tar.gz > sha256sums.txt && cat sha256sums.txt

# The image is FROM scratch: its build context is a folder holding the static
# linux binary and what it needs from this (Debian) host, so podman pulls
# nothing. GOARCH picks the image's architecture (default: this machine's).
IMAGE_CTX := .build/image
image-context: ## stage the Containerfile's context in .build/image
	rm -rf $(IMAGE_CTX) && mkdir -p $(IMAGE_CTX)/etc/ssl/certs $(IMAGE_CTX)/usr/share $(IMAGE_CTX)/var/lib/fsmon $(IMAGE_CTX)/tmp
	GOOS=linux $(GOBUILD) -o $(IMAGE_CTX)/fsmon ./cmd/fsmon
	cp /etc/ssl/certs/ca-certificates.crt $(IMAGE_CTX)/etc/ssl/certs/
	cp -R /usr/share/zoneinfo $(IMAGE_CTX)/usr/share/
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > $(IMAGE_CTX)/etc/passwd
	printf 'root:x:0:\nnonroot:x:65532:\n' > $(IMAGE_CTX)/etc/group

image: image-context ## build the container image $(IMAGE):$(VERSION) with podman, offline
	$(PODMAN) build --pull=never -f Containerfile -t $(IMAGE):$(VERSION) \
	  --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  --build-arg BUILD_DATE=$(BUILD_DATE) --build-arg SOURCE_URL=$(SOURCE_URL) \
	  $(IMAGE_CTX)

dist-src: ## dist/fsmon-VERSION.src.tar.gz from HEAD (git archive fills in REVISION)
	mkdir -p dist
	git archive --format=tar.gz --prefix=fsmon-$(VERSION)/ -o dist/fsmon-$(VERSION).src.tar.gz HEAD

clean: ## remove bin/, dist/ and .build/
	rm -rf bin dist .build
