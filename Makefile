# seawall - one non-recursive Makefile.
#   make            build build/release/seawall
#   make test       unit + integration + corpus tests, fuzz replay, then the same under ASan+UBSan;
#                   last line "total: N passed, N failed, N skipped"
#   make unit       the cmocka unit tests alone
#   make demo       run seawall pcap on the capture shipped in tests/data and summarise
#   make bench      throughput and memory against ndpiReader, a plain libpcap loop and yara
#                   -r; the FIM baseline against aide; the http and kafka sinks against their
#                   local receivers; the syslog, tcp and relp sinks and spool replay against a
#                   discard receiver faster than them (their own ceiling)
#   make bench-instr  instructions per packet and per EVE event against ndpiReader (callgrind)
#   make fuzz       build the libFuzzer targets (clang) and run each for FUZZ_SECONDS
#   make deps       install the missing Debian packages
#   make install    PREFIX=/usr/local DESTDIR=...
# SAN=1 builds the ASan+UBSan variant in build/san/.

PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
SAN       ?= 0
VARIANT   := $(if $(filter 1,$(SAN)),san,release)
# BUILD=DIR keeps a second tree of objects apart (one per git worktree or helper).
BUILD     ?= build
B         := $(BUILD)/$(VARIANT)

PKGS      := libpcap libndpi jansson yaml-0.1 libcrypto libssl yara libmagic zlib libcap-ng \
             libseccomp libsystemd libbrotlidec libhs libpcre2-8 sqlite3 relp libcurl rdkafka
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
             -Wcast-qual -Wformat=2 -Wvla -Wimplicit-fallthrough -Werror
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS    ?= -O2 -g
ifeq ($(SAN),1)
# The sanitizer build uses clang, so `make test` builds everything with gcc and with clang.
CC        := clang
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN     := -fsanitize=address,undefined
HARDEN    := -fPIE
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(HARDEN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS := -pie -Wl,-z,relro,-z,now $(LDSAN) $(LDFLAGS)
LIBS      := $(PKG_LIBS) -lpthread -lm

# Everything but main.c goes into one static library that the binary and the tests link.
LIB_SRC   := $(sort $(wildcard agent/util/*.c) $(filter-out agent/main.c,$(wildcard agent/*.c)) \
               $(wildcard collectors/net/*.c) $(wildcard collectors/file/*.c) $(wildcard rules/*.c) \
               $(wildcard output/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
LIB       := $(B)/libseawall.a
BIN       := $(B)/seawall

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FAKE_SRC  := $(wildcard tests/unit/fakes/*.c)
FAKE_OBJ  := $(FAKE_SRC:%.c=$(B)/%.o)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz-replay/%)

# Keep the objects of fuzz targets and tools (make would delete them as intermediates).
.SECONDARY:

.PHONY: all test unit integration demo bench bench-instr fuzz deps install uninstall clean lint \
        format test-san check-deps
all: $(BIN)

# V=1 shows the commands.
Q         := $(if $(filter 1,$(V)),,@)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(B)/agent/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(FAKE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $(WRAP) -o $@ $^ $(LIBS) -lcmocka

# Unit tests that fake a system call at the edge (the linker's --wrap): test_scanpool makes
# pread see a file that changes size while the scan pool reads it.
$(B)/tests/test_scanpool: WRAP := -Wl,--wrap=pread

# The HTTP body decoder's tests make brotli input with its encoder (libbrotli-dev too).
$(B)/tests/test_app_http_body: LIBS += $(shell pkg-config --libs libbrotlienc 2>/dev/null)

$(B)/tools/%: $(B)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Fuzz targets linked with a replay main(): run over tests/fuzz/corpus/<target>/ in make test.
$(B)/fuzz-replay/%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# --- dependencies -----------------------------------------------------------------------------
DEB_BUILD := build-essential pkg-config clang zlib1g-dev libpcap-dev libndpi-dev libjansson-dev \
             libyaml-dev libcmocka-dev libssl-dev libyara-dev libmagic-dev libcap-ng-dev \
             libseccomp-dev libsystemd-dev clang-format libbrotli-dev libhyperscan-dev \
             libpcre2-dev libsqlite3-dev librelp-dev libcurl4-openssl-dev librdkafka-dev
# util-linux (setpriv, unshare) and mount are Essential/required on Debian, listed because the
# trust tests call them (planting files as nobody, a private mount namespace). The delivery
# tests run Debian's rsyslog (with its RELP and OpenSSL modules) and openssl as receivers.
DEB_TEST  := libndpi-bin python3 python3-jsonschema python3-yaml time bc yara tshark tcpreplay \
             iproute2 systemd man-db groff-base logrotate util-linux mount mawk procps git \
             aide e2fsprogs valgrind rsyslog rsyslog-relp rsyslog-openssl openssl curl
deps:
	@sh tests/tools/deps.sh $(DEB_BUILD) $(DEB_TEST)

# --- tests ------------------------------------------------------------------------------------
unit: $(UNIT_BIN)
	@sh tests/run-all.sh $(B) unit

test: deps
	@$(MAKE) --no-print-directory -j2 all unit-bins tools-bins fuzz-bins
	@$(MAKE) --no-print-directory -j2 SAN=1 all unit-bins tools-bins fuzz-bins
	@sh tests/test.sh $(BUILD)/release $(BUILD)/san

unit-bins: $(UNIT_BIN)
tools-bins: $(TOOL_BIN)
fuzz-bins: $(FUZZ_REPLAY)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/tools/demo.sh $(BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/tools/bench.sh $(BIN)
	@sh tests/tools/bench_scan.sh $(BIN)
	@sh tests/tools/bench_sigs.sh $(BIN)
	@sh tests/tools/bench_profile.sh $(BIN)
	@$(MAKE) --no-print-directory $(B)/tools/fanout
	@sh tests/tools/bench_live.sh $(BIN)
	@$(MAKE) --no-print-directory $(B)/tools/sinkdrive $(B)/tools/kafkamock $(B)/tools/benchsink \
	    $(B)/tools/discardsink
	@sh tests/tools/bench_sinks.sh $(BIN)
	@sh tests/tools/bench_receiver.sh $(BIN)
	@sh tests/tools/bench_ceiling.sh $(BIN)
	@sh tests/tools/bench_files.sh $(BIN)
	@sh tests/tools/bench_fim.sh $(BIN)

# Instruction counts (callgrind), independent of machine load: seawall pcap -w 1 against
# ndpiReader on one copy of the corpus, start-up apart, and seawall's instructions by module.
bench-instr: deps
	@$(MAKE) --no-print-directory all
	@sh tests/tools/bench_instr.sh $(BIN)

# libFuzzer builds (clang): build/fuzz/<target>, run each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined $(PKG_CFLAGS)
fuzz: deps
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do t=$$(basename $$f .c); \
	  echo "fuzz: building $$t"; \
	  clang $(FUZZ_FLAGS) -o build/fuzz/$$t $$f $(LIB_SRC) $(PKG_LIBS) -lpthread -lm || exit 1; \
	done
	@rc=0; for f in $(FUZZ_SRC); do t=$$(basename $$f .c); mkdir -p build/fuzz/corpus-$$t; \
	  echo "fuzz: running $$t for $(FUZZ_SECONDS)s"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus-$$t tests/fuzz/corpus/$$t || rc=1; \
	done; exit $$rc

lint:
	@sh tests/tools/lint.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# --- install ----------------------------------------------------------------------------------
# make install PREFIX=/usr/local DESTDIR=...: binary, seawall(8), configuration and default rules
# under /etc/seawall, the systemd unit, sysusers.d and tmpfiles.d entries, the logrotate snippet
# and the README. /etc stays /etc whatever PREFIX is (systemd, logrotate and seawall's default
# -c look there). An edited /etc/seawall/seawall.yaml is kept: the new default goes beside it as
# seawall.yaml.new. The shipped rule files are replaced; keep your own rules in other files.
# On a real install (no DESTDIR) run as root, it also creates the seawall user and directories
# and reloads systemd; with DESTDIR that is left to the package's scripts.
BINDIR      := $(PREFIX)/bin
MAN8DIR     := $(PREFIX)/share/man/man8
DOCDIR      := $(PREFIX)/share/doc/seawall
UNITDIR     := $(PREFIX)/lib/systemd/system
SYSUSERSDIR := $(PREFIX)/lib/sysusers.d
TMPFILESDIR := $(PREFIX)/lib/tmpfiles.d
CONFDIR     := /etc/seawall
LOGROTATEDIR := /etc/logrotate.d
RULES_DEFAULT := $(notdir $(wildcard rules/default/*.rules rules/default/*.yar))
# The municipal ruleset goes beside the default rules (its datasets load ioc/*.lst relative
# to the rules folder); its IOC lists are the operator's once installed: an edited list is
# kept and the shipped one written beside it as LIST.new, as for seawall.yaml.
RULES_MUNICIPAL := $(notdir $(wildcard rules/municipal/*.rules))
IOC_MUNICIPAL := $(notdir $(wildcard rules/municipal/ioc/*.lst))

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/seawall
	install -D -m 0644 agent/seawall.8 $(DESTDIR)$(MAN8DIR)/seawall.8
	@if [ -f $(DESTDIR)$(CONFDIR)/seawall.yaml ] && \
	    ! cmp -s agent/seawall.yaml $(DESTDIR)$(CONFDIR)/seawall.yaml; then \
	  echo "install: keeping the edited $(DESTDIR)$(CONFDIR)/seawall.yaml;" \
	       "the new default is $(DESTDIR)$(CONFDIR)/seawall.yaml.new"; \
	  install -m 0640 agent/seawall.yaml $(DESTDIR)$(CONFDIR)/seawall.yaml.new; \
	else \
	  echo "install -D -m 0640 agent/seawall.yaml $(DESTDIR)$(CONFDIR)/seawall.yaml"; \
	  install -D -m 0640 agent/seawall.yaml $(DESTDIR)$(CONFDIR)/seawall.yaml; \
	fi
	install -d $(DESTDIR)$(CONFDIR)/rules
	install -m 0644 $(addprefix rules/default/,$(RULES_DEFAULT)) $(DESTDIR)$(CONFDIR)/rules/
	install -m 0644 $(addprefix rules/municipal/,$(RULES_MUNICIPAL)) $(DESTDIR)$(CONFDIR)/rules/
	install -d $(DESTDIR)$(CONFDIR)/rules/ioc
	@for l in $(IOC_MUNICIPAL); do t=$(DESTDIR)$(CONFDIR)/rules/ioc/$$l; \
	  if [ -f $$t ] && ! cmp -s rules/municipal/ioc/$$l $$t; then \
	    echo "install: keeping the edited $$t; the shipped list is $$t.new"; \
	    install -m 0644 rules/municipal/ioc/$$l $$t.new; \
	  else \
	    echo "install -m 0644 rules/municipal/ioc/$$l $$t"; install -m 0644 rules/municipal/ioc/$$l $$t; \
	  fi; \
	done
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' systemd/seawall.service \
	    >$(DESTDIR)$(UNITDIR)/seawall.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/seawall.service
	install -D -m 0644 systemd/seawall.sysusers $(DESTDIR)$(SYSUSERSDIR)/seawall.conf
	install -D -m 0644 systemd/seawall.tmpfiles $(DESTDIR)$(TMPFILESDIR)/seawall.conf
	install -D -m 0644 systemd/seawall.logrotate $(DESTDIR)$(LOGROTATEDIR)/seawall
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  if command -v systemd-sysusers >/dev/null 2>&1; then \
	    echo "systemd-sysusers $(SYSUSERSDIR)/seawall.conf"; \
	    systemd-sysusers $(SYSUSERSDIR)/seawall.conf || exit 1; \
	    echo "systemd-tmpfiles --create $(TMPFILESDIR)/seawall.conf"; \
	    systemd-tmpfiles --create $(TMPFILESDIR)/seawall.conf || exit 1; \
	  fi; \
	  if [ -d /run/systemd/system ]; then echo "systemctl daemon-reload"; systemctl daemon-reload; fi; \
	fi

# Removes what install put there. An edited seawall.yaml (one that differs from the shipped
# default) is kept and named; the seawall user, /var/lib/seawall and /var/log/seawall too.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/seawall $(DESTDIR)$(MAN8DIR)/seawall.8 \
	      $(DESTDIR)$(UNITDIR)/seawall.service $(DESTDIR)$(SYSUSERSDIR)/seawall.conf \
	      $(DESTDIR)$(TMPFILESDIR)/seawall.conf $(DESTDIR)$(LOGROTATEDIR)/seawall \
	      $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(CONFDIR)/seawall.yaml.new \
	      $(addprefix $(DESTDIR)$(CONFDIR)/rules/,$(RULES_DEFAULT) $(RULES_MUNICIPAL)) \
	      $(patsubst %,$(DESTDIR)$(CONFDIR)/rules/ioc/%.new,$(IOC_MUNICIPAL))
	@for l in $(IOC_MUNICIPAL); do t=$(DESTDIR)$(CONFDIR)/rules/ioc/$$l; \
	  if [ -f $$t ] && ! cmp -s rules/municipal/ioc/$$l $$t; then \
	    echo "uninstall: keeping the edited $$t"; else rm -f $$t; fi; \
	done
	@if [ -f $(DESTDIR)$(CONFDIR)/seawall.yaml ]; then \
	  if cmp -s agent/seawall.yaml $(DESTDIR)$(CONFDIR)/seawall.yaml; then \
	    echo "rm -f $(DESTDIR)$(CONFDIR)/seawall.yaml"; rm -f $(DESTDIR)$(CONFDIR)/seawall.yaml; \
	  else \
	    echo "uninstall: keeping the edited $(DESTDIR)$(CONFDIR)/seawall.yaml"; \
	  fi; \
	fi
	@for d in $(DESTDIR)$(CONFDIR)/rules/ioc $(DESTDIR)$(CONFDIR)/rules $(DESTDIR)$(CONFDIR) \
	         $(DESTDIR)$(DOCDIR); do \
	  rmdir "$$d" 2>/dev/null || true; \
	done
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ "$$(id -u)" = 0 ]; then \
	  echo "systemctl daemon-reload"; systemctl daemon-reload; \
	fi

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
