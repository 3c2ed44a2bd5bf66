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
# The grading sandbox: Debian's bubblewrap, and the kernelspec that starts kernels inside it.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing bubblewrap (apt-get)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "setup: WARNING: bubblewrap is not installed; grading will run UNSANDBOXED" >&2
    fi
fi
# The student side of practice (its client), for the one-machine classroom's kernels and the
# sandbox (a copy: the sandbox sees the Python environment, not this checkout).
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall ./student_env 2> >(grep -v "is ignored" >&2)
.venv/bin/jupyter kernelspec install --sys-prefix --name cvexam-sandbox graders/sandbox/kernels/cvexam-sandbox >/dev/null 2>&1
# The one-machine classroom: the exchange and a Jupyter config per role.
.venv/bin/python -m graders.classroom setup
# --test: what the tests start on loopback: Debian's Chromium (Playwright drives it headless)
# and Debian's PostgreSQL (a throwaway server per test module; nothing is started here).
if [ "${1:-}" = "--test" ]; then
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    # The hub classroom's environments are venvs of the system's Python; its proxy comes from npm.
    /usr/bin/python3 -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "setup: installing ${missing[*]} (apt-get)"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            echo "setup: WARNING: ${missing[*]} not installed; the tests that need them will be skipped" >&2
        fi
    fi
fi
echo "setup: done ($(.venv/bin/python -c 'import nbgrader, torch; print("nbgrader", nbgrader.__version__, "torch", torch.__version__)'))"
