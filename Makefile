# fazhi — see README.md
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench sysdeps venv messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "fazhi needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

sysdeps:
	@bash scripts/sysdeps.sh

run: sysdeps $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py demo_logins
	@echo "fazhi: serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py fazhi.wsgi:application

test: $(STAMP)
	@bash scripts/sysdeps.sh test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -c pyproject.toml -r fazhi bench scripts -ll -q
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) scripts/check_messages.py --extract

bench: $(STAMP)
	$(PY) bench/run.py

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location file -i '.venv/*' -i 'var/*' -i 'bench/*'
	$(PY) manage.py compilemessages -l zh_Hans -i '.venv' -i 'var' 

clean:
	rm -rf $(VENV) var/*.sqlite3 var/static
