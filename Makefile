# The verbs: run, test, bench, lint, fmt, i18n. Everything a fresh machine needs is
# installed from here: the virtualenv, the project, Debian's chromium, PostgreSQL and the
# OCR-B font.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
APT_UPDATED := /tmp/.luutru-apt-updated

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-sqlite test-postgres bench lint fmt i18n i18n-extract translations \
        migrate demo purge backup install upgrade test-deps apt-install clean

# --- installation ---------------------------------------------------------------------

# Python packages come only from the hashed lockfiles in requirements/ (pip --require-hashes):
# run.txt for the server, dev.txt (the same versions plus the test and lint tools) for the rest.
# `make upgrade` re-resolves them; the project itself is installed on top, without deps.
RUN_STAMP := $(VENV)/.installed-run

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements/run.txt pyproject.toml | $(VENV)/bin/pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/run.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(STAMP): requirements/dev.txt pyproject.toml | $(VENV)/bin/pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(RUN_STAMP)

# Refresh both lockfiles to the newest versions pyproject.toml allows (uv, pinned here).
UV_VERSION := 0.13.8
upgrade: | $(VENV)/bin/pip
	$(PY) -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile --quiet --upgrade pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --universal -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet --upgrade pyproject.toml --generate-hashes \
		--python-version 3.11 --universal -c requirements/dev.txt -o requirements/run.txt
	npm install --package-lock-only --no-audit --no-fund
	@echo "Lockfiles refreshed: review 'git diff requirements package-lock.json', then make test."

install: $(STAMP)

# The JavaScript tools (Biome, uqr) come from package-lock.json; node and npm from Debian.
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory apt-install PKG="nodejs npm"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled catalogs (.mo for the server, JSON for the PWA) are built, never committed;
# so is the app's copy of the QR code encoder (uqr, from package-lock.json).
translations: $(RUN_STAMP) pwa/generated/uqr.js server/static/verify/jsqr.js \
		server/static/verify/ed25519.js
	$(PY) -m server.babel_runner compile
	@# The app as phones get it (esbuild, from package-lock.json, into pwa/dist): the page's
	@# modules bundled into one minified js/app.js, the passport reader and the QR encoder
	@# (loaded on first use), the service worker and the styles minified file by file. The
	@# server serves a source instead of its copy when the source is newer (server/pwa.py).
	node_modules/.bin/esbuild $$(find pwa/js pwa/generated -name '*.js') pwa/app.css pwa/sw.js \
		--minify --charset=utf8 --outbase=pwa --outdir=pwa/dist --log-level=warning
	node_modules/.bin/esbuild pwa/js/app.js --bundle --format=esm --minify --charset=utf8 \
		--external:./scan/scanner.js --external:../generated/uqr.js \
		--outfile=pwa/dist/js/app.js --allow-overwrite --log-level=warning

pwa/generated/uqr.js: $(NODE_STAMP)
	install -D -m 644 node_modules/uqr/dist/index.mjs $@

# The police receipt checker's QR decoder (jsQR), where the browser has no BarcodeDetector.
server/static/verify/jsqr.js: $(NODE_STAMP)
	install -D -m 644 node_modules/jsqr/dist/jsQR.js $@

# Its Ed25519 check where the browser's WebCrypto has none (audited, from the lockfile).
server/static/verify/ed25519.js: $(NODE_STAMP)
	install -D -m 644 node_modules/@noble/ed25519/index.js $@

test-deps:
	@command -v chromium >/dev/null 2>&1 || $(MAKE) --no-print-directory apt-install PKG=chromium
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		$(MAKE) --no-print-directory apt-install PKG=postgresql
	@# OCR-B: the passport reader's glyph templates and the synthetic camera frames.
	@test -f /usr/share/fonts/opentype/ocr-b/OCRB.otf || \
		$(MAKE) --no-print-directory apt-install PKG=fonts-ocr-b
	@# The deployment files' validators (tests/test_deploy.py): nginx -t, systemd-analyze.
	@# nginx is there for `nginx -t` only: not left serving if its package started it.
	@test -x /usr/sbin/nginx || { $(MAKE) --no-print-directory apt-install PKG=nginx-light && \
		{ systemctl disable --now nginx >/dev/null 2>&1 || true; }; }
	@command -v systemd-analyze >/dev/null 2>&1 || \
		$(MAKE) --no-print-directory apt-install PKG=systemd

apt-install:
	@[ -f $(APT_UPDATED) ] || { apt-get update -q && touch $(APT_UPDATED); }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PKG)

# --- the two commands ------------------------------------------------------------------

run: translations
	DEMO=$${DEMO-1} $(PY) -m server run

test: install translations test-deps
	@echo "=== lane: sqlite ==="
	$(PY) -m pytest --db=sqlite
	@echo "=== lane: postgresql ==="
	$(PY) -m pytest --db=postgres

test-sqlite: install translations test-deps
	$(PY) -m pytest --db=sqlite

test-postgres: install translations test-deps
	$(PY) -m pytest --db=postgres

# --- the rest --------------------------------------------------------------------------

migrate: $(RUN_STAMP)
	$(PY) -m server migrate

demo: $(RUN_STAMP)
	DEMO=1 $(PY) -m server demo

# Reduce guests' personal data to statistics after RETENTION_DAYS (schedule it daily).
purge: $(RUN_STAMP)
	$(PY) -m server purge

# A consistent copy of the live database (the server keeps serving) into a new folder
# under BACKUP_DIR, named by the time; see "Operating it" in the README.
BACKUP_DIR ?= backups
backup: $(RUN_STAMP)
	$(PY) -m server backup "$(BACKUP_DIR)/$$(date -u +%Y%m%dT%H%M%SZ)"

bench: install translations test-deps
	$(PY) bench/run.py

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy server tests
	node_modules/.bin/biome check pwa server/static

fmt: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check --fix server tests bench
	$(BIN)/ruff format server tests bench
	node_modules/.bin/biome check --write pwa server/static

i18n: $(STAMP)
	$(PY) -m server.babel_runner extract
	$(PY) -m server.babel_runner update
	$(PY) -m server.babel_runner compile

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache pwa/locales pwa/generated pwa/dist \
		locales/*/LC_MESSAGES/*.mo
