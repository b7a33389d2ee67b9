# castellan: see README.md.
#
#   make            the static binary and the bootable ISO
#   make test       every test (installs what it needs first)
#   make demo       boots the appliance in QEMU on a sample description
#   make bench      sizes and boot time, next to a bare hello-world init
#
# Libraries are built once from pinned Debian sources into a cache outside
# the tree (scripts/build-deps.sh); nothing downloaded lands in git.

SHELL := /bin/bash
.DEFAULT_GOAL := all

CASTELLAN_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/castellan
export CASTELLAN_CACHE

DEPS := $(shell scripts/build-deps.sh --dir)
MUSL := $(DEPS)/musl
HOSTDEPS := $(DEPS)/host
B := build

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
CFLAGS := $(WARN) -Os -ffunction-sections -fdata-sections \
	-isystem $(MUSL)/kinc -I$(MUSL)/include -I$(B)/gen
LDFLAGS := -static -Wl,--gc-sections -L$(MUSL)/lib
LDLIBS := -lcurl -lbearssl -lcjson -lyaml -lpthread

# Modules the unit tests link, built by the host compiler under
# AddressSanitizer and UBSan: the pure ones, plus the logger and io.
PURE := err wipe io log arena syntax ipv4 yamldoc desc netcfg dhcp seedlabel base64 bech32 age sealed retry secrets infisical_msg spki plan iso9660 der x509 talos_bundle yamlout patch render vmspec eso forge textbuf
UNIT_CFLAGS := $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinit -I$(HOSTDEPS)/include
UNIT_LIBS := -L$(HOSTDEPS)/lib -lbearssl -lcjson -lyaml

SRCS := $(wildcard init/*.c)
# Sources with effects need a generated header; rewritten only on change.
VERSION_H := $(B)/gen/version.h
OBJS := $(SRCS:init/%.c=$(B)/obj/%.o)
HDRS := $(wildcard init/*.h)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))
PURE_HOST_OBJS := $(PURE:%=$(B)/unit/obj/%.o)

.PHONY: FORCE all setup deps castellan image demo-image test unit boot-test cli-test demo bench clean

# The appliance's age identity is built into the image. A production image
# needs AGE_IDENTITY; make demo and make test use a throwaway key of this
# build directory, and that image says so on its console at boot.
AGE_IDENTITY ?=
DEMO_KEY := $(B)/demo/identity.key
KEY_STAMP := $(B)/image-key.stamp

all: setup castellan
	@if [ -n "$(AGE_IDENTITY)" ]; then $(MAKE) --no-print-directory image; \
	 else echo "built $(B)/castellan; for the ISO: make image AGE_IDENTITY=key.txt (castellan keygen -o key.txt)"; fi

setup:
	@scripts/setup.sh

deps: $(DEPS)/.done
$(DEPS)/.done:
	scripts/build-deps.sh >/dev/null

castellan: $(B)/castellan
$(VERSION_H): FORCE
	@mkdir -p $(B)/gen
	@{ echo '#define CASTELLAN_VERSION "'"$$(git describe --always --dirty 2>/dev/null || echo unknown)"'"'; \
	   echo '#define CASTELLAN_DEPS "'"$$(awk '!/^#/ && NF {print $$1 " " $$2}' scripts/deps.pins | sort -u | paste -sd, | sed 's/,/, /g')"'"'; \
	 } > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
FORCE:
$(B)/obj/%.o: init/%.c $(HDRS) $(VERSION_H) $(DEPS)/.done | $(B)/obj
	@echo "  CC      $<"
	@musl-gcc $(CFLAGS) -c $< -o $@
$(B)/castellan: $(OBJS)
	@echo "  LINK    $@"
	@musl-gcc $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)
	@strip $@

$(B)/obj $(B)/unit/obj:
	mkdir -p $@

image: $(B)/castellan.iso
# Rewritten only when the key (or demo flag) changes, so the ISO follows it.
$(KEY_STAMP): FORCE
	@[ -n "$(AGE_IDENTITY)" ] || { echo "make image needs AGE_IDENTITY=path/to/key.txt, the appliance's age identity (castellan keygen -o key.txt makes one); make demo and make test use a throwaway key" >&2; exit 1; }
	@[ -r "$(AGE_IDENTITY)" ] || { echo "AGE_IDENTITY=$(AGE_IDENTITY): no such readable file" >&2; exit 1; }
	@mkdir -p $(B)
	@{ sha256sum < "$(AGE_IDENTITY)"; echo "demo=$(DEMO)"; } > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
$(B)/castellan.iso: $(B)/castellan $(KEY_STAMP) $(wildcard image/* overlay/* overlay/*/* overlay/*/*/*) scripts/kernel.sh
	image/build.sh $(B) --key "$(AGE_IDENTITY)" $(if $(DEMO),--demo)

$(DEMO_KEY): | $(B)/castellan
	@mkdir -p $(dir $@)
	@$(B)/castellan keygen -o $@ 2>/dev/null
	@echo "  KEYGEN  $@ (throwaway demo key)"
demo-image: $(B)/castellan $(DEMO_KEY)
	@$(MAKE) --no-print-directory image AGE_IDENTITY=$(DEMO_KEY) DEMO=1

# Unit tests: host gcc, sanitizers, the pure modules only.
$(B)/unit/obj/%.o: init/%.c $(HDRS) $(DEPS)/.done | $(B)/unit/obj
	@echo "  CC/ASAN $<"
	@gcc $(UNIT_CFLAGS) -c $< -o $@
$(B)/unit/%: tests/unit/%.c tests/unit/check.h $(PURE_HOST_OBJS)
	@echo "  TEST    $@"
	@gcc $(UNIT_CFLAGS) -o $@ $< $(PURE_HOST_OBJS) $(UNIT_LIBS)

unit: $(UNIT_TESTS)
	@fail=0; for t in $(UNIT_TESTS); do $$t || fail=1; done; exit $$fail

boot-test: demo-image
	tests/boot/run.sh $(B)

cli-test: $(B)/castellan
	tests/cli.sh $(B)

test: setup
	@$(MAKE) --no-print-directory demo-image
	@tests/run.sh $(B)

demo: setup
	@$(MAKE) --no-print-directory demo-image
	qemu/demo.sh $(B)

bench: setup
	@$(MAKE) --no-print-directory demo-image
	bench/run.sh $(B)

clean:
	rm -rf $(B)
.SECONDARY:
