# The two commands of a fresh machine: `make demo` and `make test`.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup demo test lint

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/python -m graders demo

test:
	bash scripts/setup.sh --browser
	.venv/bin/python -m ruff check .
	.venv/bin/python -m pytest

lint: setup
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .
