# agentd: `make run` starts a dev daemon, `make test` runs the whole suite.
SWIFT ?= swift
DEB_PACKAGES := libsqlite3-dev libsodium-dev libsystemd-dev libcurl4-openssl-dev libxmlsec1-dev zlib1g-dev pkg-config
# The tests also start a small HTTP(S) service of their own (python3) with certificates made by openssl,
# an OpenID provider of their own that signs with python3-cryptography, and lint /metrics with promtool.
TEST_PACKAGES := python3 python3-cryptography openssl xmlsec1
# promtool comes out of Debian's prometheus package unpacked, not installed: installing it would
# start a Prometheus server on a machine booted with systemd.
PROMTOOL := .build/tools/promtool
# `make test-ui` drives the web console in headless Chromium with Selenium, all from Debian; it runs
# under Debian's own python3, the one python3-selenium installs into (not a python3 of pyenv or a venv).
UI_TEST_PACKAGES := python3 python3-selenium chromium chromium-driver
UI_PYTHON ?= /usr/bin/python3
UI_SCREENSHOTS ?= .build/ui-screenshots
# `make deb` checks the package with lintian; `make test-deb` boots it in a Debian 12 tree.
DEB_TOOLS := lintian fakeroot
TEST_DEB_TOOLS := debootstrap systemd-container
BIN := .build/debug

.PHONY: deps build run test test-ui bench bench-peers completions clean deb test-deb

# Installs the system packages the build needs, only those missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES) $(if $(filter test,$(MAKECMDGOALS)),$(TEST_PACKAGES)) \
	    $(if $(filter test-ui,$(MAKECMDGOALS)),$(UI_TEST_PACKAGES)) \
	    $(if $(filter deb test-deb,$(MAKECMDGOALS)),$(DEB_TOOLS)) $(if $(filter test-deb,$(MAKECMDGOALS)),$(TEST_DEB_TOOLS)); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "run as root, or: sudo apt-get install -y$$missing"; exit 1; fi; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build --product agentd
	$(SWIFT) build --product agentctl

# Dev mode: state under ./.agentd/, socket ./.agentd/agentd.sock, HTTP on 127.0.0.1:8700.
run: build
	$(BIN)/agentd serve --dev

test: deps $(PROMTOOL)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# The web console in a real browser (Tests/UI/console_test.py): its own dev agentd on a free
# loopback port, orgs and users made with agentctl, a screenshot of each step in $(UI_SCREENSHOTS).
test-ui: build
	AGENTD_BIN=$(BIN)/agentd AGENTCTL_BIN=$(BIN)/agentctl UI_SCREENSHOTS=$(UI_SCREENSHOTS) \
	    $(UI_PYTHON) Tests/UI/console_test.py

$(PROMTOOL):
	@mkdir -p $(@D)
	@if [ -x /usr/bin/promtool ]; then ln -sf /usr/bin/promtool $@; else \
	  cd $(@D) && rm -f prometheus_*.deb && (apt-get download prometheus || (apt-get update && apt-get download prometheus)) \
	  && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -xO ./usr/bin/promtool > promtool.part \
	  && chmod 755 promtool.part && mv promtool.part promtool && rm -f prometheus_*.deb; fi

# Benchmarks (release build), not part of `make test`.
bench: deps
	$(SWIFT) build -c release --product agentd
	$(SWIFT) build -c release --product writer-bench
	$(SWIFT) build -c release --product api-bench
	$(SWIFT) build -c release --product auth-bench
	$(SWIFT) build -c release --product definition-bench
	$(SWIFT) build -c release --product engine-bench
	$(SWIFT) build -c release --product llm-bench
	$(SWIFT) build -c release --product triggers-bench
	$(SWIFT) build -c release --product approvals-bench
	$(SWIFT) build -c release --product pii-bench
	$(SWIFT) build -c release --product alert-bench
	$(SWIFT) build -c release --product retention-bench
	$(SWIFT) build -c release --product sso-bench
	$(SWIFT) build -c release --product console-bench
	$(SWIFT) build -c release --product search-bench
	.build/release/writer-bench
	.build/release/pii-bench
	.build/release/definition-bench
	.build/release/engine-bench
	.build/release/llm-bench
	.build/release/auth-bench
	.build/release/api-bench --agentd .build/release/agentd
	.build/release/sso-bench --agentd .build/release/agentd
	.build/release/console-bench --agentd .build/release/agentd
	.build/release/search-bench --agentd .build/release/agentd
	.build/release/engine-bench --search-index
	.build/release/triggers-bench --agentd .build/release/agentd
	.build/release/approvals-bench
	.build/release/alert-bench
	.build/release/retention-bench
	python3 bench/soak/kill_soak.py .build/release/agentd 25 1000
	$(SWIFT) build -c release --product agentctl
	python3 bench/backup/backup_bench.py .build/release/agentd .build/release/agentctl 1024

# The same shapes against Prefect 3 (local server on SQLite) and Huey (SQLite, fsync), installed
# from PyPI into a venv under the build folder; prints agentd/peer ratios from one run.
PEERS := .build/peers
bench-peers: deps
	$(SWIFT) build -c release --product engine-bench
	@dpkg-query -W -f='$${Status}' python3-venv 2>/dev/null | grep -q "ok installed" || apt-get install -y python3-venv
	@test -x $(PEERS)/venv/bin/python || (python3 -m venv $(PEERS)/venv && $(PEERS)/venv/bin/pip install -q "prefect>=3,<4" huey)
	@mkdir -p $(PEERS)/run
	{ .build/release/engine-bench --peers; \
	  $(PEERS)/venv/bin/python bench/peers/huey_shapes.py $(PEERS)/run; \
	  $(PEERS)/venv/bin/python bench/peers/prefect_chain.py $(PEERS)/run 2>/dev/null; } | tee $(PEERS)/results.jsonl | python3 bench/peers/compare.py

completions: build
	mkdir -p completions
	$(BIN)/agentctl --generate-completion-script bash > completions/agentctl.bash
	$(BIN)/agentctl --generate-completion-script zsh > completions/_agentctl
	$(BIN)/agentctl --generate-completion-script fish > completions/agentctl.fish

clean:
	rm -rf .build .agentd completions

# The Debian package: release build with the Swift runtime linked in, stripped; lintian must
# find no error (each override in packaging/debian/lintian-overrides says why).
deb: deps
	SWIFT=$(SWIFT) packaging/build-deb.sh .build/deb
	lintian --fail-on error --info .build/deb/agentd_*_amd64.deb

# Installs the package in a fresh Debian 12 tree and boots it under real systemd (see
# packaging/test-deb.sh); slow, so not part of `make test`.
test-deb: deb
	packaging/test-deb.sh .build/deb
