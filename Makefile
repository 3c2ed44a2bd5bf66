# The two commands of a fresh machine: `make demo` and `make test`.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup demo test test-fast lint

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

lint: setup
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .
