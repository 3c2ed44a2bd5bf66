#!/usr/bin/env bash
# Creates .venv beside this repo and installs the course's pinned stack into it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
step() { echo "setup [${SECONDS}s]: $*"; }
# pip, with a line per package it fetches as it goes, and its whole log when it fails.
pip_install() {
    local log status
    log=$(mktemp)
    set +e
    .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 | tee "$log" |
        while IFS= read -r line; do
            case "$line" in Collecting* | Successfully*) echo "setup:   $line" ;; esac
        done
    status=${PIPESTATUS[0]}
    set -e
    [ "$status" = 0 ] || grep -v "is ignored: it is neither a file nor a directory" "$log" >&2
    rm -f "$log"
    return "$status"
}
if [ ! -x .venv/bin/python ]; then
    step "creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
step "installing the pinned stack (nbgrader 0.9.6, JupyterLab 4.6.6, torch 2.13.0 CPU, ...)"
pip_install -e '.[test]'
# The grading sandbox: Debian's bubblewrap, and the kernelspec that starts kernels inside it.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        step "installing bubblewrap (apt-get)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "setup: WARNING: bubblewrap is not installed; grading will run UNSANDBOXED" >&2
    fi
fi
# The student side of practice (its client), for the one-machine classroom's kernels and the
# sandbox (a copy: the sandbox sees the Python environment, not this checkout).
step "installing the students' side (student_env) and the sandbox's kernelspec"
pip_install --quiet --no-deps --force-reinstall ./student_env
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
            step "installing ${missing[*]} (apt-get)"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            echo "setup: WARNING: ${missing[*]} not installed; the tests that need them will be skipped" >&2
        fi
    fi
fi
step "done ($(.venv/bin/python -c 'import nbgrader, torch; print("nbgrader", nbgrader.__version__, "torch", torch.__version__)'))"
