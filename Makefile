# The two commands of a fresh machine: `make demo` and `make test`.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup demo test test-fast lint docs classroom bench-hub

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/python -m graders demo

test:
	bash scripts/setup.sh --test
	.venv/bin/python -m ruff check .
	.venv/bin/python -m pytest

# The edit-test loop: every module, without the whole-class runs, the browser and the attacks.
test-fast: setup
	.venv/bin/python -m ruff check .
	.venv/bin/python -m pytest -m "not slow"

# The documentation site, as the tests build it (warnings are errors): docs/_build/html/index.html
docs: setup
	.venv/bin/python -m pip install --quiet -e '.[test]'
	.venv/bin/python -m sphinx -W -q -b html docs docs/_build/html

lint: setup
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .

# The hub classroom (as root): accounts from ROSTER, the environments, JupyterHub on PORT.
ROSTER ?=
PORT ?= 8000
classroom: setup
	.venv/bin/python -m graders.classroom hub --port $(PORT) $(if $(ROSTER),--roster $(ROSTER))

# Exam-day load on the hub classroom (as root): 30, 100 and 300 simulated students through a
# classroom of its own (removed at the end); p50/p99 per step.
bench-hub: setup
	.venv/bin/python -m pip install --quiet -e '.[bench]'
	.venv/bin/python bench/hub_load.py --students 30 100 300 --wave 100
