"""The wire format between grader and kernel: probe specs out, untrusted reports back.

Its limits are the harness's own (one definition, in harness.py, which runs in the kernel)."""

import json
from typing import Any

import numpy as np

from graders.autograde.harness import MAX_ELEMENTS, MIME, REPORTER_NAME
from graders.autograde.model import Outcome, Probe


def encode_arg(arg: Any) -> Any:
    if isinstance(arg, np.ndarray):
        return {"array": arg.tolist(), "dtype": str(arg.dtype)}
    if isinstance(arg, tuple):
        return {"tuple": [encode_arg(a) for a in arg]}
    if isinstance(arg, np.generic):
        return arg.item()
    return arg


def probe_spec(part_id: str, probes: list[Probe], budget: float) -> dict:
    """What the kernel is asked for one part: each probe's name and encoded arguments."""
    spec: dict = {"part": part_id, "budget": budget, "probes": []}
    for probe in probes:
        entry: dict = {"id": probe.id, "name": probe.name}
        if probe.args is not None:
            entry["args"] = [encode_arg(a) for a in probe.args]
        spec["probes"].append(entry)
    return spec


def probe_call(part_id: str, probes: list[Probe], budget: float) -> str:
    """The code that replaces a test cell at autograde: one call to the reporter."""
    return f"{REPORTER_NAME}({json.dumps(probe_spec(part_id, probes, budget))!r})"


def find_report(outputs: list, nonce: str, part_id: str, max_bytes: int) -> tuple[dict | None, str]:
    """The report this run's harness published in a cell, or why there is none."""
    for output in reversed(outputs):
        if output.get("output_type") != "display_data":
            continue
        raw = output.get("data", {}).get(MIME)
        if raw is None:
            continue
        raw = "".join(raw) if isinstance(raw, list) else raw
        if not isinstance(raw, str):
            continue
        if len(raw) > max_bytes:
            return None, f"the answers were larger than {max_bytes} bytes and were not read"
        try:
            payload = json.loads(raw)
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get("nonce") == nonce and payload.get("part") == part_id:
            if isinstance(payload.get("answers"), list):
                return payload, ""
    return None, _why_no_report(outputs)


def _why_no_report(outputs: list) -> str:
    for output in outputs:
        if output.get("output_type") == "error":
            name, value = output.get("ename", ""), str(output.get("evalue", ""))[:300]
            if name == "CellTimeoutError":
                return "this cell ran out of time: a function it calls probably never returns"
            return f"the grading code stopped with {name}: {value}"
    return "no answers were reported for this part (the notebook stopped before this cell)"


def outcomes(payload: dict, probes: list[Probe]) -> dict[str, Outcome]:
    """Each probe's outcome, read defensively from the report's answers."""
    by_id: dict[str, dict] = {}
    for answer in payload["answers"]:
        if isinstance(answer, dict) and isinstance(answer.get("id"), str):
            by_id.setdefault(answer["id"], answer)
    return {p.id: _outcome(by_id.get(p.id), p) for p in probes}


def no_outcomes(probes: list[Probe], reason: str) -> dict[str, Outcome]:
    return {p.id: Outcome(error=reason) for p in probes}


def _outcome(answer: dict | None, probe: Probe) -> Outcome:
    if answer is None:
        return Outcome(error="not answered: the grading code stopped before this call")
    if answer.get("missing"):
        return Outcome(error=f"NameError: name '{probe.name}' is not defined")
    if "timeout" in answer:
        return Outcome(error=f"timed out after {_number(answer['timeout']):g} s (does it loop forever?)")
    if answer.get("interrupted"):
        return Outcome(error="interrupted: the cell ran out of time")
    if "skipped" in answer:
        return Outcome(error="not run: an earlier call of this function timed out")
    if "error" in answer:
        return Outcome(error=str(answer["error"])[:500])
    try:
        value, type_name = _value(answer.get("value"))
    except (TypeError, ValueError, KeyError):
        return Outcome(error="the answer could not be read")
    raw_warnings = answer.get("warnings", [])
    warnings = tuple(str(w)[:200] for w in raw_warnings[:5]) if isinstance(raw_warnings, list) else ()
    seconds = min(max(_number(answer.get("seconds")), 0.0), 3600.0)
    return Outcome(value=value, warnings=warnings, type_name=type_name, seconds=seconds)


def _number(x: Any) -> float:
    return float(x) if isinstance(x, int | float) else 0.0


def _value(encoded: Any) -> tuple[Any, str]:
    if not isinstance(encoded, dict):
        raise ValueError("not an encoded value")
    kind, type_name = encoded["kind"], str(encoded.get("type", ""))[:80]
    if kind == "array":
        shape = [int(n) for n in encoded["shape"]]
        data = encoded["data"]
        if not isinstance(data, list) or len(data) > MAX_ELEMENTS or any(n < 0 for n in shape):
            raise ValueError("bad array")
        return np.array(data, dtype=float).reshape(shape), type_name
    if kind == "str":
        return str(encoded["value"])[:500], type_name
    if kind == "axes":
        return {"lines": [_line(line) for line in encoded["lines"][:10]]}, type_name
    return None, type_name


def _line(line: dict) -> dict:
    x, y = line["x"], line["y"]
    if not (isinstance(x, list) and isinstance(y, list)) or len(x) + len(y) > 2 * MAX_ELEMENTS:
        raise ValueError("bad line")
    return {
        "label": str(line.get("label", ""))[:200],
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
    }
