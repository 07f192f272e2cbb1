# The two commands: `make run` and `make test`. Each makes .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean fuzz soak messages catalogs

# Catalogs: one .po per language in oppbot/locale, compiled to .mo (not committed) with Babel's message tools.
PO := $(wildcard oppbot/locale/*/LC_MESSAGES/oppbot.po)
MO := $(PO:.po=.mo)
EXTRACT := -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 --no-location --sort-output \
	--project oppbot --copyright-holder oppbot

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@ 2>&1 | tail -n1

catalogs: $(MO)

install: $(STAMP) catalogs

# After wrapping a new text in _(): the template made anew from the code, each language's .po updated from it.
# Extracted from `.`: babel.cfg's patterns (oppbot/**.py, workers/**.py) are paths from the directory given.
messages: $(STAMP)
	$(BIN)/pybabel extract $(EXTRACT) -o oppbot/locale/oppbot.pot .
	$(BIN)/pybabel update -D oppbot -i oppbot/locale/oppbot.pot -d oppbot/locale --no-fuzzy-matching --ignore-obsolete

run: $(STAMP) catalogs
	$(BIN)/oppbot db upgrade
	$(BIN)/oppbot dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# On every core (pytest-xdist; `make test TEST_JOBS=0` runs it in one process): each worker has its own migrated
# SQLite template and PostgreSQL database, and Redis tests their own namespaces.
TEST_JOBS ?= auto
test: $(STAMP) catalogs
	$(BIN)/python -m pytest -n $(TEST_JOBS) $(PYTEST_ARGS)

# 10,000 random and mutated signed requests through the real WSGI app (the suite runs 300); several minutes.
fuzz: $(STAMP)
	OPPBOT_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/slack/test_fuzz_requests.py -q -s -k sqlite -p no:cacheprovider --timeout=0

# The fault tests repeated (default 20 times; `make soak SOAK_RUNS=5`), outside `make test`: bench/README.md.
SOAK_RUNS ?= 20
soak: $(STAMP)
	PYTHON=$(BIN)/python bench/soak.sh $(SOAK_RUNS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
