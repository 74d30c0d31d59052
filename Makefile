# Every target installs what it needs: a fresh clone runs `make demo` or `make test` directly.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)
export CANVAS_NO_UPDATE_CHECK := 1
unexport DATABASE_URL

.PHONY: install browser-deps db-deps node-deps frontend frontend-check lint typecheck validate unit test demo bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (root on CI; apt-get only when missing).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# Debian's PostgreSQL server for the PostgreSQL stack (root on CI; apt-get only when missing).
# The stack runs its own throwaway cluster: no default "main" cluster is created or started.
db-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && id postgres >/dev/null 2>&1 || \
	  { mkdir -p /etc/postgresql-common/createcluster.d && \
	    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main-cluster.conf && \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }

# Node and npm for the frontend (Debian's nodejs and npm with apt-get only when node is missing).
node-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }

# The pinned frontend tools and libraries (package-lock.json), installed without install scripts.
$(NODE_STAMP): package.json package-lock.json | node-deps
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

# Rebuild the committed bundle (twilio_sms_mms/static/sms_app.js and .css) from frontend/src.
frontend: $(NODE_STAMP)
	node frontend/build.mjs

# Biome (lint + format), the JS unit tests, the committed bundle is fresh, its size.
frontend-check: $(NODE_STAMP) $(STAMP)
	node_modules/.bin/biome check frontend
	node --test frontend/test/*.test.js
	node frontend/build.mjs --check
	node frontend/size

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy twilio_sms_mms devtools tests

validate: $(STAMP)
	$(VENV)/bin/canvas validate-manifest twilio_sms_mms
	$(VENV)/bin/canvas validate twilio_sms_mms

unit: $(STAMP)
	$(PY) -m pytest -q -m "not runner and not browser"

test: $(STAMP) browser-deps db-deps lint typecheck validate frontend-check
	$(PY) -m pytest -q

# `make demo DB=postgres` runs the runner on a throwaway PostgreSQL cluster (default: SQLite).
demo: $(STAMP) $(if $(filter postgres,$(DB)),db-deps)
	DB=$(or $(DB),sqlite) $(PY) -m devtools.demo

bench: $(STAMP) db-deps
	$(PY) -m devtools.bench

clean:
	rm -rf $(VENV) .stack .pytest_cache .mypy_cache .ruff_cache node_modules
