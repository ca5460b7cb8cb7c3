# gitops-tools: one build for everything.
#   make                 libgitops.a, then bin/<tool> for every cmd/<tool>/
#   make check           install missing build dependencies, build, run every test (TAP via prove)
#   make demo            install missing build dependencies, build, run the bundled example against
#                        the project's API stand-in (make demo KUBECONFIG=FILE: that cluster, as gitops-demo-*)
#   make SANITIZE=1 ...  the same with ASan+UBSan
#   make fuzz            build tests/fuzz/fuzz_*.c with clang's libFuzzer, run each FUZZ_TIME seconds
#   make mutate          plant each bug of tests/mutations/ in a scratch copy; its tests must catch it
#   make install PREFIX=/usr/local DESTDIR=

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
ALL_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
             -DGT_VERSION='"$(VERSION)"' -iquote common $(PKG_CFLAGS) $(CFLAGS)
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

.PHONY: all deps check demo install uninstall clean tests bench completions krew fuzz mutate
all: $(BINS)

# Rebuild everything when the flags change (e.g. SANITIZE=1 after a plain build).
build/FLAGS: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
.PHONY: FORCE
FORCE:
.SECONDARY:

build/%.o: %.c build/FLAGS $(wildcard common/*.h cmd/*/*.h cmd/*/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

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
	@$(MAKE) --no-print-directory all
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

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
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
		$(DESTDIR)$(MANDIR)/man7/gitops-tools.7 $(TOOLS:%=$(DESTDIR)$(BASHCOMPDIR)/%) \
		$(TOOLS:%=$(DESTDIR)$(ZSHCOMPDIR)/_%) $(TOOLS:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish) \
		$(KUBECTL_NAMES:%=$(DESTDIR)$(BINDIR)/kubectl-%) \
		$(KUBECTL_NAMES:%=$(DESTDIR)$(BINDIR)/kubectl_complete-%) \
		$(DESTDIR)$(BINDIR)/argocd-gitops $(DESTDIR)$(BINDIR)/kubectl-gitops \
		$(DESTDIR)$(BINDIR)/kubectl_complete-gitops

# krew: this machine's archive (the tools and, as kubectl-gitops, the dispatcher; no symlinks)
# and plugins/gitops.yaml filled in for it, in build/krew/. KREW_URL: where the archives are
# downloaded from (a release's download URL); HOMEPAGE: the project's page.
KREW_OS   ?= $(shell uname -s | tr A-Z a-z)
KREW_ARCH ?= $(shell uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
KREW_URL  ?= https://example.invalid/gitops-tools/releases/download/v$(VERSION)
HOMEPAGE  ?= https://example.invalid/gitops-tools
KREW_DIR  ?= build/krew
KREW_TREE := $(KREW_DIR)/gitops-tools-$(VERSION)
KREW_TGZ  := $(KREW_DIR)/gitops-tools-$(VERSION)-$(KREW_OS)-$(KREW_ARCH).tar.gz

krew: all
	rm -rf $(KREW_TREE) && mkdir -p $(KREW_TREE)/bin
	install -m 755 $(BINS) $(KREW_TREE)/bin/
	sed 's/@VERSION@/$(VERSION)/' plugins/argocd-gitops >$(KREW_TREE)/bin/kubectl-gitops
	chmod 755 $(KREW_TREE)/bin/kubectl-gitops
	tar -C $(KREW_DIR) --owner=0 --group=0 --numeric-owner --sort=name -czf $(KREW_TGZ) gitops-tools-$(VERSION)
	sha=$$(sha256sum $(KREW_TGZ) | cut -c1-64) && \
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@URL@|$(KREW_URL)|g' -e 's|@HOMEPAGE@|$(HOMEPAGE)|g' \
		-e "s|@SHA256_$(KREW_OS)_$(KREW_ARCH)@|$$sha|" plugins/gitops.yaml >$(KREW_DIR)/gitops.yaml
	@echo "$(KREW_TGZ)"; echo "$(KREW_DIR)/gitops.yaml"

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
build/fuzz/common/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(COMMON_SRC:%.c=build/fuzz/%.o) $(wildcard tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(PKG_LIBS)
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
	@tests/fuzz/run $(FUZZ_TIME) $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

completions: all
	tests/tools/gen-completions

clean:
	rm -rf build bin
