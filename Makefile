# SPDX-License-Identifier: GPL-2.0
# The devmem TCP series and its KUnit workbench. See README.md.

.PHONY: all run test bench mutants post deps base apply export check-export ci help

all: help

help:
	@echo "make run    - build the UML KUnit kernel of the series and run every suite"
	@echo "make test   - everything CI checks: export round trip and per-patch checks"
	@echo "make bench  - benchmark the token patch: its parent against the tip (bench: lines)"
	@echo "make mutants - put each bug of kunit/mutants/ in and check its case catches it"
	@echo "make post   - write each submission's mails, as you (git user.name/email), to build/post/"
	@echo "make apply  - (re)create build/linux: base + patches/"
	@echo "make export - regenerate patches/ and net/ from build/linux"
	@echo "make check-export - fail if patches/ or net/ differ from build/linux"
	@echo "make ci     - make test without the tip, debug-kernel and module runs"
	@echo "make deps   - install the Debian packages the scripts need"
	@echo "make base   - fetch and commit the base tree (kunit/base.pin) in build/linux"
	@echo "make help   - this list"

deps:
	scripts/deps.sh

base: deps
	scripts/get-base.sh

apply: base
	scripts/apply.sh

export:
	scripts/export.sh

check-export:
	scripts/export.sh --check

run: apply
	kunit/run.sh

ci: apply check-export
	kunit/mutants.sh --check
	scripts/checkpatch-ci.sh

test: ci
	kunit/run.sh
	kunit/run-debug.sh
	scripts/modcheck.sh

post:
	test -d build/linux/.git || $(MAKE) apply
	scripts/post.sh

# Not part of test: one UML build and run per mutant (see README).
mutants:
	test -d build/linux/.git || $(MAKE) apply
	kunit/mutants.sh

# What build/linux has committed, as it stands: apply only makes it where it
# is missing (it refuses a tree holding commits or edits patches/ lacks).
bench:
	test -d build/linux/.git || $(MAKE) apply
	kunit/bench.sh
