#!/usr/bin/env bash
# Creates .venv beside this repo and installs the course's pinned stack into it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
echo "setup: installing the pinned stack (nbgrader 0.9.6, JupyterLab 4.6.6, torch 2.13.0 CPU, ...)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "setup: done ($(.venv/bin/python -c 'import nbgrader, torch; print("nbgrader", nbgrader.__version__, "torch", torch.__version__)'))"
