"""Scenario overrides by dotted path, and the full-factorial points of a sweep.

`--set stations.formation.machines=60,70,80` addresses a field by its path in the scenario file,
with stations and sources picked by name (`sources.supply.interarrival`, `run.length`,
`product.cells_per_lot`; a list index also works). Values are written as in YAML (`60`, `0.94`,
`20 min`, `{dist: exponential, mean: 4 h}`) and typed by re-validating the whole scenario with
pydantic, so a sweep point is exactly as valid as a file that says the same.
"""

from __future__ import annotations

import difflib
import itertools
from typing import Any, Optional, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from twin.sim.results import Estimate, RunResult
from twin.spec.scenario import Scenario, field_path

NAMED_LISTS = ("stations", "sources")


class SweepError(ValueError):
    """A --set that cannot apply: unknown path, unparsable or invalid value."""


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """'path=v1,v2' -> (path, [v1, v2]); commas inside {...} or [...] do not split."""
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise SweepError(f"--set {text!r}: write PATH=VALUE[,VALUE...], e.g. stations.formation.machines=60,70")
    return path, [_parse_value(text, part) for part in _split_top_level(values)]


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "{[" else -1 if char in "}]" else 0
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in parts + [current]]


def _parse_value(assignment: str, text: str) -> Any:
    if not text:
        raise SweepError(f"--set {assignment!r}: empty value")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SweepError(f"--set {assignment!r}: cannot read value {text!r} ({exc.__class__.__name__})") from None


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The scenario with each dotted path set to its value, re-validated as a whole."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    full = scenario.model_dump(mode="json", by_alias=True)
    for path, value in overrides.items():
        _assign(data, full, path, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        shown = ", ".join(f"{p}={v!r}" for p, v in overrides.items())
        problems = "; ".join(dict.fromkeys(_describe(error, data) for error in exc.errors(include_url=False)))
        raise SweepError(f"--set {shown}: {problems}") from None


def _describe(error: Any, data: dict) -> str:
    """A validation error located by names (stations.formation.machines), not list positions."""
    parts, node = [], data
    for part in field_path(tuple(error["loc"])):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            item = node[part]
            parts.append(str(item.get("name", part)) if isinstance(item, dict) else str(part))
        elif isinstance(node, dict) and part in node:
            parts.append(str(part))
        else:
            break  # pydantic's own tags for union branches
        node = node[part]
    where = ".".join(parts) or "scenario"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _assign(data: dict, full: dict, path: str, value: Any) -> None:
    """Set `path` in `data` (the fields the file set); `full` (every field) says which paths exist."""
    keys = path.split(".")
    if len(keys) > 2 and isinstance(full.get(keys[0]), list):  # a plant's 'line.station' holds a dot
        names = {item.get("name") for item in full[keys[0]] if isinstance(item, dict)}
        if keys[1] not in names and f"{keys[1]}.{keys[2]}" in names:
            keys = [keys[0], f"{keys[1]}.{keys[2]}", *keys[3:]]
    node, shape = data, full
    for depth, key in enumerate(keys):
        where = ".".join(keys[:depth]) or "the scenario"
        last = depth == len(keys) - 1
        if isinstance(shape, list):
            index = _list_index(shape, key, where, path)
            node, shape = node[index], shape[index]
            if last:
                raise SweepError(f"--set {path}: {path} is a whole {keys[depth - 1][:-1]}; set one of its fields")
            continue
        if not isinstance(shape, dict) or key not in shape:
            raise SweepError(f"--set {path}: {where} has no field {key!r}{_hint(key, shape)}")
        if last:
            node[key] = value
        else:
            if shape[key] is None:
                raise SweepError(f"--set {path}: {'.'.join(keys[:depth + 1])} is not set in the scenario; "
                                 "set it as a whole value (YAML, e.g. {dist: exponential, mean: 4 h})")
            if key not in node:  # a default the file left out: start from the default's fields
                node[key] = {} if isinstance(shape[key], dict) else shape[key]
            node, shape = node[key], shape[key]


def _list_index(items: list, key: str, where: str, path: str) -> int:
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if key in names:
        return names.index(key)
    if key.isdigit() and int(key) < len(items):
        return int(key)
    raise SweepError(f"--set {path}: {where} has no entry named {key!r}{_hint(key, names)}")


def _hint(key: str, options: Any) -> str:
    names = sorted(str(o) for o in options if o is not None) if options else []
    close = difflib.get_close_matches(key, names, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(names)})" if names else ""


def sweep_points(scenario: Scenario, assignments: Sequence[tuple[str, list[Any]]]) -> list[tuple[dict[str, Any], Scenario]]:
    """Every combination of the values (full factorial, first path varying slowest), each validated."""
    paths = [path for path, _ in assignments]
    if len(set(paths)) != len(paths):
        raise SweepError("a path is given twice in --set; list all its values in one --set")
    points = []
    for values in itertools.product(*(values for _, values in assignments)):
        settings = dict(zip(paths, values))
        points.append((settings, apply_overrides(scenario, settings)))
    return points


def label(settings: dict[str, Any]) -> str:
    return ", ".join(f"{path}={value}" for path, value in settings.items())


class SweepPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: dict[str, Any] = Field(description="The value of each swept path at this point.")
    scenario_hash: str
    run_id: Optional[int] = Field(None, description="Id in the results database, when stored.")
    replications: int
    warmup_h: float
    kpis: dict[str, Estimate] = Field(description="Line KPIs, mean and 95% CI.")
    bottleneck: Optional[str] = Field(description="The throughput constraint (bottleneck.primary of the point's run).")


class SweepResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    seed: int
    parameters: list[str] = Field(description="The swept paths, in --set order.")
    points: list[SweepPoint] = Field(description="Full factorial, the first path varying slowest.")


def sweep_point(settings: dict[str, Any], result: RunResult, run_id: Optional[int]) -> SweepPoint:
    return SweepPoint(
        settings=settings, scenario_hash=result.scenario_hash, run_id=run_id, replications=result.replications,
        warmup_h=result.warmup_h, kpis=dict(result.kpis), bottleneck=result.bottleneck.primary,
    )
