"""Kernel-side code: calls the student's names on probe inputs and reports.

This file's text runs inside the student's kernel, injected as the notebook's
first cell at autograde, before any student code. It judges nothing: it calls
what the grader asks, encodes what came back (value, error, warnings) as JSON and
publishes it as one display output tagged with the run's nonce. The grader
process reads that report and decides the points.

It must stay self-contained (stdlib and numpy only). It runs with a private copy
of the builtins and keeps its own references to the functions it uses, so a
student who later patches builtins, numpy or json does not change what it does.
"""

import json
import signal
import time
import warnings

import numpy as np
from IPython import get_ipython
from IPython.display import publish_display_data

# Bound once, when the harness is installed, before any student code runs.
_asarray, _array, _linspace, _unique = np.asarray, np.array, np.linspace, np.unique
_errstate = np.errstate
_dumps, _loads = json.dumps, json.loads
_signal, _setitimer = signal.signal, signal.setitimer
_SIGALRM, _ITIMER_REAL, _SIGPROF, _ITIMER_PROF = (
    signal.SIGALRM,
    signal.ITIMER_REAL,
    signal.SIGPROF,
    signal.ITIMER_PROF,
)
_monotonic = time.monotonic
_catch_warnings, _simplefilter = warnings.catch_warnings, warnings.simplefilter
_publish = publish_display_data

MIME = "text/x-cvexam-report"
REPORTER_NAME = "__cvexam_report__"
MAX_ELEMENTS = 100_000
MAX_TEXT = 500
MAX_LINE_POINTS = 2_000
# A call's budget is CPU time of the kernel (its own code, not the machine's load); a call that
# waits instead of computing is stopped at WALL_FACTOR times the budget of wall time.
WALL_FACTOR = 3


class ProbeTimeout(BaseException):
    """Raised in the kernel when one probe call exceeds its time budget."""


def _short(text: object, limit: int = MAX_TEXT) -> str:
    try:
        text = str(text)
    except BaseException:
        text = "<unprintable>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(exc: BaseException) -> str:
    return _short(f"{type(exc).__name__}: {exc}")


def _encode_axes(ax) -> dict:
    lines = []
    for line in list(ax.get_lines())[:10]:
        x = _asarray(line.get_xdata(), dtype=float).ravel()
        y = _asarray(line.get_ydata(), dtype=float).ravel()
        n = min(x.size, y.size)
        keep = _unique(_linspace(0, n - 1, min(n, MAX_LINE_POINTS)).astype(int))
        if n:
            x, y = x[keep], y[keep]
        lines.append({"label": _short(line.get_label()), "x": x.tolist(), "y": y.tolist()})
    legend = ax.get_legend()
    texts = [_short(t.get_text()) for t in legend.get_texts()] if legend else []
    try:
        import matplotlib.pyplot as plt

        plt.close(ax.figure)
    except BaseException:
        pass
    return {"kind": "axes", "lines": lines, "legend": texts}


def _encode(value) -> dict:
    type_name = _short(type(value).__name__, 80)
    if value is None:
        return {"kind": "none", "type": type_name}
    if isinstance(value, str):
        return {"kind": "str", "type": type_name, "value": _short(value)}
    if hasattr(value, "get_lines") and hasattr(value, "get_legend"):
        encoded = _encode_axes(value)
        encoded["type"] = type_name
        return encoded
    array = _asarray(value)
    if array.dtype.kind not in "biuf":
        return {"kind": "other", "type": type_name, "dtype": str(array.dtype)}
    if array.size > MAX_ELEMENTS:
        return {"kind": "too_large", "type": type_name, "shape": list(array.shape)}
    return {
        "kind": "array",
        "type": type_name,
        "dtype": array.dtype.kind,
        "shape": list(array.shape),
        "data": array.astype(float).ravel().tolist(),
    }


def _decode(arg):
    if isinstance(arg, dict) and "array" in arg:
        return _array(arg["array"], dtype=arg.get("dtype", "float64"))
    if isinstance(arg, dict) and "tuple" in arg:
        return tuple(_decode(a) for a in arg["tuple"])
    return arg


def _on_alarm(signum, frame):
    raise ProbeTimeout()


def _call(user_ns: dict, probe: dict, budget: float) -> dict:
    """Look up probe["name"], call it on probe["args"] if given, encode the result; stop it
    after `budget` seconds of CPU time (or WALL_FACTOR times that of wall time)."""
    result = {"id": probe["id"]}
    previous = _signal(_SIGPROF, _on_alarm), _signal(_SIGALRM, _on_alarm)
    _setitimer(_ITIMER_PROF, budget)
    _setitimer(_ITIMER_REAL, budget * WALL_FACTOR)
    started = _monotonic()
    try:
        with _catch_warnings(record=True) as caught:
            _simplefilter("always")
            with _errstate(over="warn", divide="warn", invalid="warn"):
                if probe["name"] not in user_ns:
                    result["missing"] = True
                    return result
                value = user_ns[probe["name"]]
                if "args" in probe:
                    if not callable(value):
                        result["error"] = f"TypeError: {probe['name']} is not a function"
                        return result
                    value = value(*[_decode(a) for a in probe["args"]])
                result["value"] = _encode(value)
        result["warnings"] = [_short(f"{w.category.__name__}: {w.message}", 200) for w in caught[:5]]
    except ProbeTimeout:
        result["timeout"] = budget
    except KeyboardInterrupt:
        result["interrupted"] = True
    except BaseException as exc:
        result["error"] = _error(exc)
    finally:
        _setitimer(_ITIMER_PROF, 0)
        _setitimer(_ITIMER_REAL, 0)
        _signal(_SIGPROF, previous[0])
        _signal(_SIGALRM, previous[1])
        result["seconds"] = round(_monotonic() - started, 3)
    return result


def _run_probe(user_ns: dict, probe: dict, budget: float) -> dict:
    """One probe call; a call that ran out of time is tried once more before it counts (a
    burst of load, or a first call that paid for imports, costs no points)."""
    result = _call(user_ns, probe, budget)
    if "timeout" in result:
        result = _call(user_ns, probe, budget) | {"retried": True}
    return result


def answer_all(user_ns: dict, spec: dict, answers: list[dict]) -> list[dict]:
    """Every probe of a part's spec, in order, appended to `answers` (kept if a call is cut
    short); a function that timed out is not called again. Also what a practice check runs
    in the student's kernel (graders/practice/)."""
    timed_out = set()
    for probe in spec["probes"]:
        if probe["name"] in timed_out:
            answers.append({"id": probe["id"], "skipped": "timed out earlier"})
            continue
        answer = _run_probe(user_ns, probe, spec["budget"])
        answers.append(answer)
        if "timeout" in answer:
            timed_out.add(probe["name"])
        if "interrupted" in answer:
            break
    return answers


def install(nonce: str) -> None:
    """Register the reporter in the student's namespace under REPORTER_NAME."""
    user_ns = get_ipython().user_ns

    def report(spec_json: str) -> None:
        spec = _loads(spec_json)
        answers: list[dict] = []
        try:
            answer_all(user_ns, spec, answers)
        finally:
            payload = {"nonce": nonce, "part": spec["part"], "answers": answers}
            _publish({MIME: _dumps(payload)})

    user_ns[REPORTER_NAME] = report
