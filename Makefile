# gitops-tools: one build for everything.
#   make                 libgitops.a, then bin/<tool> for every cmd/<tool>/
#   make check           install missing build dependencies, build, run every test (TAP via prove)
#   make demo            install missing build dependencies, build, run the bundled example against
#                        the project's API stand-in (make demo KUBECONFIG=FILE: that cluster, as gitops-demo-*)
#   make SANITIZE=1 ...  the same with ASan+UBSan
#   make fuzz            build tests/fuzz/fuzz_*.c with clang's libFuzzer, run each FUZZ_TIME seconds
#   make mutate          plant each bug of tests/mutations/ in a scratch copy; its tests must catch it
#   make install PREFIX=/usr/local DESTDIR=
#   make dist            build/dist/gitops-tools-VERSION-linux-ARCH.tar.gz: self-contained binaries
#                        (CROSS=arm64: for arm64, with Debian's cross compiler)
#   make krew            build/dist/gitops.yaml, the krew manifest for those archives
#   make deb             build/deb/gitops-tools_VERSION_ARCH.deb (the dynamic build, Debian's paths)
#   make check-dist      build all three and run their tests (tests/dist/, a few minutes)

VERSION   := $(shell cat VERSION)
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=

CC        ?= cc
PKGS      := yaml-0.1 jansson libgit2 libpcre2-8 libcrypto zlib libxcrypt
# Recursive (=) on purpose: a fresh machine evaluates these only after `make deps` installed them.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

CFLAGS    ?= -O2 -g
BASE_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
             -DGT_VERSION='"$(VERSION)"' -iquote common $(PKG_CFLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
# --as-needed: a tool that never calls libgit2 does not pay its load time at startup.
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS)
ifeq ($(SANITIZE),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
endif

COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=build/%.o)
TOOLS      := $(notdir $(sort $(wildcard cmd/gitops-*)))
BINS       := $(TOOLS:%=bin/%)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
TEST_TOOLS := build/tests/yaml2json build/tests/streamcat
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz-replay/%)

.PHONY: all deps check demo install uninstall clean tests bench completions krew fuzz dist deb check-dist mutate
all: $(BINS)

# -MMD -MP: the compiler writes build/X.d, the headers X.o was built from (common/ and the tool's
# own, e.g. cmd/gitops-apply/apply.h), so editing any of them rebuilds exactly what includes it;
# -MP adds an empty rule per header so that a deleted one does not stop the build.
DEPFLAGS = -MMD -MP

# Rebuild everything when the flags change (e.g. SANITIZE=1 after a plain build).
build/FLAGS: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(ALL_LDFLAGS)' > $@
.PHONY: FORCE
FORCE:
.SECONDARY:

build/%.o: %.c build/FLAGS
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The commit --version names (COMMIT=... where there is no git, e.g. from a tarball), passed to
# common/version.c alone through build/COMMIT, which changes only with it: a new commit relinks.
COMMIT ?= $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && \
	{ git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo $$c-dirty || echo $$c; } || echo unknown)
build/COMMIT: FORCE
	@mkdir -p build
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
build/common/version.o: build/COMMIT
build/common/version.o: BASE_CFLAGS += -DGT_COMMIT='"$(COMMIT)"'

# The strategic-merge table (common/mergekeys.h) is generated from its data file, sorted for a
# binary search.
build/gen/mergekeys.inc: common/mergekeys.txt
	@mkdir -p $(dir $@)
	grep -v '^#' $< | LC_ALL=C sort -k1,1 -k2,2 -k3,3 | \
		awk 'NF == 5 { printf "\t{ \"%s\", \"%s\", \"%s\", \"%s\", \"%s\" },\n", $$1, $$2, $$3, $$4, ($$5 == "-" ? "" : $$5) }' >$@.tmp
	mv $@.tmp $@
build/common/mergekeys.o build/fuzz/common/mergekeys.o: build/gen/mergekeys.inc
build/common/mergekeys.o: ALL_CFLAGS += -iquote build/gen
build/fuzz/common/mergekeys.o: FUZZ_CFLAGS += -iquote build/gen

build/libgitops.a: $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^

# Each tool: every .c file in its directory and in its engine folders (cmd/TOOL/ENGINE/*.c), linked
# against libgitops.a.
define tool_rule
bin/$(1): $(patsubst %.c,build/%.o,$(wildcard cmd/$(1)/*.c cmd/$(1)/*/*.c)) build/libgitops.a
	@mkdir -p bin
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$(filter %.o,$$^) build/libgitops.a $$(ALL_LDFLAGS) $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# gitops-render's libgit2 stand-ins (cmd/gitops-render/git2lazy.c), generated from the libgit2 calls in
# common/ and the render's sources and the prototypes in libgit2's headers, so they follow the code.
GIT2LAZY_SRC := $(filter-out cmd/gitops-render/git2lazy.c,$(COMMON_SRC) $(wildcard cmd/gitops-render/*.c))
build/gen/git2lazy.inc: cmd/gitops-render/git2lazy-gen $(GIT2LAZY_SRC) build/FLAGS
	@mkdir -p $(dir $@)
	cmd/gitops-render/git2lazy-gen $(CC) $(PKG_CFLAGS) -- $(GIT2LAZY_SRC) >$@.tmp && mv -f $@.tmp $@
build/cmd/gitops-render/git2lazy.o: build/gen/git2lazy.inc
build/cmd/gitops-render/git2lazy.o: BASE_CFLAGS += -iquote build/gen

build/tests/%: build/tests/unit/%.o build/libgitops.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libgitops.a $(ALL_LDFLAGS) $(PKG_LIBS)

tests: $(BINS) $(UNIT_BINS) $(TEST_TOOLS) $(FUZZ_REPLAY)

deps:
	@tests/tools/deps

check: deps
	@$(MAKE) --no-print-directory tests
	@tests/run

# MUTATIONS="NAME ...": only these (tests/mutations/NAME.diff); MUTATE_JOBS, MUTATE_TIMEOUT: see the script.
mutate: deps
	@$(MAKE) --no-print-directory tests
	@tests/tools/mutate $(MUTATIONS)

# The demo syncs to the project's own API stand-in, never to the cluster of the environment's
# kubectl context; a cluster is used only when named on the command line: make demo KUBECONFIG=FILE.
demo: deps
	@$(MAKE) --no-print-directory all
	@$(if $(filter command line,$(origin KUBECONFIG)),GITOPS_DEMO_KUBECONFIG='$(KUBECONFIG)' )examples/demo

bench: deps
	@$(MAKE) --no-print-directory all build/tests/yaml2json
	@tests/bench/run

SHAREDIR  ?= $(PREFIX)/share
BASHCOMPDIR ?= $(SHAREDIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(SHAREDIR)/zsh/site-functions
FISHCOMPDIR ?= $(SHAREDIR)/fish/vendor_completions.d

# kubectl plugins: kubectl-gitops-VERB runs gitops-VERB ("-" inside a verb is "_", as kubectl
# looks it up: kubectl gitops repo-add -> kubectl-gitops-repo_add), kubectl_complete-gitops-VERB
# completes it (kubectl 1.26+). argocd-gitops dispatches `argocd gitops VERB` (argocd 3.1+), and
# as kubectl-gitops serves `kubectl gitops` without a verb and krew installs (plugins/gitops.yaml).
KUBECTL_NAMES := $(foreach t,$(TOOLS),gitops-$(subst -,_,$(t:gitops-%=%)))

# INSTALL_FROM: where the tools are taken from (make dist and make deb install release builds).
INSTALL_FROM ?= bin
install: $(if $(filter bin,$(INSTALL_FROM)),all,$(TOOLS:%=$(INSTALL_FROM)/%))
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(TOOLS:%=$(INSTALL_FROM)/%) $(DESTDIR)$(BINDIR)/
	install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/*.7 $(DESTDIR)$(MANDIR)/man7/
	for t in $(TOOLS); do \
		install -m 644 completions/$$t.bash $(DESTDIR)$(BASHCOMPDIR)/$$t && \
		install -m 644 completions/_$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t && \
		install -m 644 completions/$$t.fish $(DESTDIR)$(FISHCOMPDIR)/$$t.fish || exit 1; \
	done
	set -- $(KUBECTL_NAMES); for t in $(TOOLS); do \
		ln -sf $$t $(DESTDIR)$(BINDIR)/kubectl-$$1 && \
		install -m 755 completions/kubectl_complete-$$1 $(DESTDIR)$(BINDIR)/ && shift || exit 1; \
	done
	sed 's/@VERSION@/$(VERSION)/' plugins/argocd-gitops >$(DESTDIR)$(BINDIR)/.argocd-gitops.tmp
	chmod 755 $(DESTDIR)$(BINDIR)/.argocd-gitops.tmp
	mv -f $(DESTDIR)$(BINDIR)/.argocd-gitops.tmp $(DESTDIR)$(BINDIR)/argocd-gitops
	ln -sf argocd-gitops $(DESTDIR)$(BINDIR)/kubectl-gitops
	install -m 755 plugins/kubectl_complete-gitops $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
		$(DESTDIR)$(MANDIR)/man1/argocd-gitops.1 \
		$(DESTDIR)$(MANDIR)/man7/gitops-tools.7 $(TOOLS:%=$(DESTDIR)$(BASHCOMPDIR)/%) \
		$(TOOLS:%=$(DESTDIR)$(ZSHCOMPDIR)/_%) $(TOOLS:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish) \
		$(KUBECTL_NAMES:%=$(DESTDIR)$(BINDIR)/kubectl-%) \
		$(KUBECTL_NAMES:%=$(DESTDIR)$(BINDIR)/kubectl_complete-%) \
		$(DESTDIR)$(BINDIR)/argocd-gitops $(DESTDIR)$(BINDIR)/kubectl-gitops \
		$(DESTDIR)$(BINDIR)/kubectl_complete-gitops

# ---- releases: make dist, make krew, make deb; their tests: make check-dist ---------------------
# Release objects are compiled apart from the development build, in build/release/, with the
# hardening flags Debian builds with, and linked twice: static/ with the libraries of DIST_LIBS
# inside, so that only the C library is needed at run time (make dist, make krew), and shared/
# against the system's libraries like the development build (make deb).
# make dist CROSS=arm64: the same for another Debian architecture, with Debian's cross compiler
# (gcc-aarch64-linux-gnu) and that architecture's -dev packages unpacked by dist/cross-sysroot.
CROSS ?=
ifneq ($(CROSS),)
CROSS_TYPE   := $(shell dpkg-architecture -a$(CROSS) -qDEB_HOST_GNU_TYPE 2>/dev/null)
CC           := $(CROSS_TYPE)-gcc
AR           := $(CROSS_TYPE)-ar
CROSS_ROOT   := build/cross/$(CROSS)
CROSS_CFLAGS  = -isystem $(CROSS_ROOT)/usr/include -isystem $(CROSS_ROOT)/usr/include/$(CROSS_TYPE)
CROSS_LDFLAGS = -L$(CROSS_ROOT)/usr/lib/$(CROSS_TYPE)
endif
REL             := build/release$(if $(CROSS),-$(CROSS))
RELEASE_CFLAGS  ?= -g -O2 -ffile-prefix-map=$(CURDIR)=. -fstack-protector-strong -fstack-clash-protection \
                   $(if $(filter x86_64-%,$(shell $(CC) -dumpmachine)),-fcf-protection) \
                   -Wformat -Werror=format-security -Wdate-time -D_FORTIFY_SOURCE=2
RELEASE_LDFLAGS ?= -Wl,-z,relro -Wl,-z,now -Wl,--as-needed -s
REL_CFLAGS       = $(BASE_CFLAGS) $(CROSS_CFLAGS) $(RELEASE_CFLAGS)

# The libraries the release binaries carry inside, one a line: lib<NAME>.a as Debian's -dev
# packages ship it (libgit2-dev pulls in all but libyaml-dev, libjansson-dev and libcrypt-dev). Linked as one
# group, so the order does not matter; a library added to PKGS gets its line here too.
DIST_LIBS := \
	git2 \
	mbedtls \
	mbedx509 \
	mbedcrypto \
	http_parser \
	ssh2 \
	crypto \
	pcre2-8 \
	z \
	crypt \
	yaml \
	jansson
# The C library stays dynamic, its libm too (PKG_LIBS has -lm).
DIST_LDLIBS = $(CROSS_LDFLAGS) -Wl,--start-group $(DIST_LIBS:%=-l:lib%.a) -Wl,--end-group -lm
# The dynamic build's lazy loaders (libgit2; libcrypto, PCRE2, libxcrypt, zlib for the native Helm
# engine) have nothing to load when the libraries are inside the binary.
DIST_SKIP  := cmd/gitops-render/git2lazy.c cmd/gitops-render/helm/lazy.c
# libgit2's Kerberos object wants GSSAPI, which Debian ships only as a shared library, and
# libcrypt.a wants glibc 2.36's arc4random_buf: see the files.
DIST_EXTRA := $(REL)/dist/no-negotiate.o $(REL)/dist/arc4random.o

$(REL)/FLAGS: FORCE $(if $(CROSS),cross-sysroot)
	@mkdir -p $(REL)
	@echo '$(CC) $(REL_CFLAGS) $(RELEASE_LDFLAGS) $(DIST_LDLIBS)' | cmp -s - $@ || \
		echo '$(CC) $(REL_CFLAGS) $(RELEASE_LDFLAGS) $(DIST_LDLIBS)' > $@
# dist/cross-sysroot decides itself whether the sysroot it made is still good.
.PHONY: cross-sysroot
cross-sysroot:
	dist/cross-sysroot $(CROSS) $(CROSS_ROOT)
$(REL)/cmd/gitops-render/git2lazy.o: build/gen/git2lazy.inc
$(REL)/cmd/gitops-render/git2lazy.o: BASE_CFLAGS += -iquote build/gen
$(REL)/common/mergekeys.o: build/gen/mergekeys.inc
$(REL)/common/mergekeys.o: BASE_CFLAGS += -iquote build/gen
$(REL)/common/version.o: build/COMMIT
$(REL)/common/version.o: BASE_CFLAGS += -DGT_COMMIT='"$(COMMIT)"'
$(REL)/%.o: %.c $(REL)/FLAGS $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c -o $@ $<
$(REL)/libgitops.a: $(COMMON_SRC:%.c=$(REL)/%.o)
	rm -f $@ && $(AR) rcs $@ $^

define release_rule
$(REL)/static/$(1): $(patsubst %.c,$(REL)/%.o,$(filter-out $(DIST_SKIP),$(wildcard cmd/$(1)/*.c cmd/$(1)/*/*.c))) $(DIST_EXTRA) $(REL)/libgitops.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(REL_CFLAGS) -o $$@ $$(filter %.o,$$^) $(REL)/libgitops.a $$(RELEASE_LDFLAGS) $$(DIST_LDLIBS)
$(REL)/shared/$(1): $(patsubst %.c,$(REL)/%.o,$(wildcard cmd/$(1)/*.c cmd/$(1)/*/*.c)) $(REL)/libgitops.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(REL_CFLAGS) -o $$@ $$(filter %.o,$$^) $(REL)/libgitops.a $$(RELEASE_LDFLAGS) $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call release_rule,$(t))))

# make dist: DIST_DIR/gitops-tools-VERSION-OS-ARCH.tar.gz and its .sha256 (sha256sum -c reads it).
# The archive unpacks to gitops-tools-VERSION/ holding bin/ and share/ as `make install` lays them
# out, less the links: krew unpacks no symlinks, so kubectl-gitops is a copy of the dispatcher
# (which runs `kubectl gitops VERB`) and the kubectl-gitops-VERB links are left out. Owners,
# order and times are fixed (SOURCE_DATE_EPOCH, the commit's time): the same tree, the same bytes.
DIST_OS   ?= linux
DIST_ARCH ?= $(shell $(CC) -dumpmachine | sed 's/-.*//;s/^x86_64$$/amd64/;s/^aarch64$$/arm64/')
DIST_DIR  ?= build/dist
DIST_NAME  = gitops-tools-$(VERSION)-$(DIST_OS)-$(DIST_ARCH)
DIST_TREE  = $(DIST_DIR)/stage/gitops-tools-$(VERSION)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)

dist: $(TOOLS:%=$(REL)/static/%)
	rm -rf $(DIST_DIR)/stage && mkdir -p $(DIST_TREE)
	$(MAKE) --no-print-directory -s install INSTALL_FROM=$(REL)/static DESTDIR=$(abspath $(DIST_TREE)) PREFIX=
	find $(DIST_TREE) -type l -delete
	cp -p $(DIST_TREE)/bin/argocd-gitops $(DIST_TREE)/bin/kubectl-gitops
	install -d $(DIST_TREE)/share/doc/gitops-tools
	install -m 644 README.md $(wildcard LICENSE COPYING) $(DIST_TREE)/share/doc/gitops-tools/
	tar -C $(DIST_DIR)/stage --owner=0 --group=0 --numeric-owner --sort=name --mtime=@$(SOURCE_DATE_EPOCH) \
		-cf - gitops-tools-$(VERSION) | gzip -9n >$(DIST_DIR)/$(DIST_NAME).tar.gz
	cd $(DIST_DIR) && sha256sum $(DIST_NAME).tar.gz >$(DIST_NAME).tar.gz.sha256
	rm -rf $(DIST_DIR)/stage
	@echo "$(DIST_DIR)/$(DIST_NAME).tar.gz"

# make krew: DIST_DIR/gitops.yaml, plugins/gitops.yaml filled in for the archives in DIST_DIR
# (this machine's, from make dist, and any other platform's copied there): a platform without
# its archive is left out, as krew refuses a manifest with an empty checksum. KREW_URL: where
# the archives are downloaded from (a release's download URL); HOMEPAGE: the project's page.
KREW_URL  ?= https://example.invalid/gitops-tools/releases/download/v$(VERSION)
HOMEPAGE  ?= https://example.invalid/gitops-tools

krew: dist
	dist/krew-manifest plugins/gitops.yaml $(VERSION) '$(KREW_URL)' '$(HOMEPAGE)' $(DIST_DIR) >$(DIST_DIR)/gitops.yaml.tmp
	mv -f $(DIST_DIR)/gitops.yaml.tmp $(DIST_DIR)/gitops.yaml
	@echo "$(DIST_DIR)/gitops.yaml"

# make deb: DEB_DIR/gitops-tools_VERSION_ARCH.deb from the shared release build, in Debian's paths
# (dist/deb says what goes where); its dependencies are dpkg-shlibdeps's reading of the binaries.
DEB_DIR ?= build/deb
deb: $(TOOLS:%=$(REL)/shared/%)
	rm -rf $(DEB_DIR)/root && mkdir -p $(DEB_DIR)/root
	$(MAKE) --no-print-directory -s install INSTALL_FROM=$(REL)/shared DESTDIR=$(abspath $(DEB_DIR)/root) PREFIX=/usr \
		ZSHCOMPDIR=/usr/share/zsh/vendor-completions
	dist/deb $(DEB_DIR)/root $(VERSION) $(DEB_DIR) $(SOURCE_DATE_EPOCH)

# The release tests (tests/dist/): arm64 too, a minimal Debian root, apt, lintian; minutes.
check-dist: deps
	@tests/tools/deps dist
	@$(MAKE) --no-print-directory dist CROSS=arm64
	@$(MAKE) --no-print-directory tests dist deb krew
	@tests/tools/debian-root $(DIST_DIR)/debian-root.tar
	@tests/run tests/dist/*.t

# Fuzzing. A target is one file, tests/fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput over libgitops).
# make check replays tests/fuzz/regressions/NAME/* through build/fuzz-replay/fuzz_NAME, the target
# built with CC and the normal flags (sanitizers under SANITIZE=1) plus a plain main().
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_CFLAGS  = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -DGT_VERSION='"fuzz"' -iquote common \
               $(PKG_CFLAGS) -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
build/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c build/libgitops.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c build/libgitops.a $(ALL_LDFLAGS) $(PKG_LIBS)
build/fuzz/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(COMMON_SRC:%.c=build/fuzz/%.o) $(wildcard tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(PKG_LIBS)
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
	@tests/fuzz/run $(FUZZ_TIME) $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

completions: all
	tests/tools/gen-completions

# The header dependencies the compiler found (absent before the first build: then all is built).
-include $(shell find build -name '*.d' -type f 2>/dev/null)

clean:
	rm -rf build bin
