# Gatehouse's two commands: `make run` and `make test`. Each installs what is
# missing first (idempotent, quick when everything is there), then works.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Pinned tools. wasm-bindgen's CLI must equal the wasm-bindgen in Cargo.lock.
CARGO_LEPTOS_VERSION := 0.3.10
LEPTOSFMT_VERSION := 0.1.33
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
# npm's binaryen (wasm-opt) and Playwright live in end2end/node_modules.
NODE_BIN := $(CURDIR)/end2end/node_modules/.bin
export PATH := $(NODE_BIN):$(HOME)/.cargo/bin:$(PATH)
# Leptos' type erasure for views: cargo-leptos sets it for debug builds; we
# set it for every build. Tests, clippy and the builds share one set of
# artifacts, and the release WASM is a fifth smaller (measured in README).
LEPTOS_RUSTFLAGS := --cfg erase_components
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test tools browser check unit e2e build-release bench sqlx-prepare clean-data

help:
	@echo "make run   build in release mode and serve the demo at http://localhost:3000"
	@echo "make test  formatting, clippy, unit and integration tests, Playwright"
	@echo "make bench the benchmarks of DESIGN §6 (release build)"

## ---- the two commands -------------------------------------------------------

run: tools build-release
	GATEHOUSE_DEMO=1 ./target/release/gatehouse serve

test: tools browser check unit e2e

## ---- set-up ------------------------------------------------------------------

tools: end2end/node_modules/.installed
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $(CARGO_LEPTOS_VERSION)" \
	  || cargo install --debug cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads
	@leptosfmt --version 2>/dev/null | grep -qx "leptosfmt $(LEPTOSFMT_VERSION)" \
	  || cargo install --debug leptosfmt --version $(LEPTOSFMT_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium, which Playwright drives (it never downloads a browser
# here), and sqlite3, with which a browser test moves a row's time back.
browser:
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/sqlite3 ] \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium sqlite3; }

## ---- the steps of `make test` -------------------------------------------------

check:
	cargo fmt --all -- --check
	leptosfmt --check app/src frontend/src
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo clippy --locked -p app -p server -p bench --features app/ssr --all-targets -- -D warnings
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

unit:
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo test --locked -p app --features ssr
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo test --locked -p server

# The browser tests run against the release build: what `make run` serves
# (wasm-opt included), and release keeps the full view types that debug
# builds erase.
e2e: build-release
	cd end2end && GATEHOUSE_E2E_BINARY=./target/release/gatehouse npx playwright test

build-release:
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo leptos build --release

## ---- for developers -----------------------------------------------------------

# Benchmarks (DESIGN §6): release builds against a real server on loopback.
# token-exchange also runs oidc-provider under Node (bench/node/, Node >= 20.19;
# it runs `npm ci` there itself when the packages are missing or stale).
bench: tools
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin bulk-invite
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin totp-challenge
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin password-signin
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo build --locked --release -p server --bin gatehouse
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin users-page
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin token-exchange
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --locked --release -p bench --bin sqlite-writes

# Regenerates .sqlx/ (the compile-time query data) after a query or migration
# changes: applies the migrations to a scratch database and checks the
# workspace against it.
sqlx-prepare:
	rm -rf target/sqlx .sqlx && mkdir -p target/sqlx .sqlx
	python3 -c 'import glob, sqlite3; c = sqlite3.connect("target/sqlx/schema.db"); [c.executescript(open(f).read()) for f in sorted(glob.glob("migrations/*.sql"))]'
	touch app/src/lib.rs server/src/lib.rs
	DATABASE_URL=sqlite:target/sqlx/schema.db SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$(CURDIR)/.sqlx \
	  RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo check -p app -p server --features app/ssr --all-targets

# Forgets the local demo database and key (make run seeds them again).
clean-data:
	rm -rf data
