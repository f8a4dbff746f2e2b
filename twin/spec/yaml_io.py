"""Reading YAML into specs with messages a user can act on.

YAML syntax errors name the line; schema errors name the file line, the field path and what is
wrong, and an unknown key names the closest valid one. Everything raises ScenarioError, which the
CLI prints without a traceback (exit code 2). A scenario file may name a `base:` file and list
only what it changes (a what-if); `load_model` merges the two before validating.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.spec.errors import SPEC_ERROR
from twin.spec.scenario import Scenario, field_path

M = TypeVar("M", bound=BaseModel)


class ScenarioError(Exception):
    """A scenario that cannot be used; `messages` holds one readable line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def load_model(path: Path, model: type[M]) -> M:
    """Parse the YAML file at `path` and validate it as `model`; a file with a `base:` key is a
    what-if over another file (see `_on_base`)."""
    data, lines = _read_mapping(path)
    if BASE in data:
        data, lines = _on_base(path, data, lines, model, (path.resolve(),))
    return _validate(data, lines, model, str(path))


def read_merged(path: Path, model: type[M]) -> dict:
    """The raw data of the file at `path` (a what-if merged over its base), valid as `model`: what a
    tool that rewrites a scenario (twin calibrate) starts from, templates and all."""
    data, lines = _read_mapping(path)
    if BASE in data:
        data, lines = _on_base(path, data, lines, model, (path.resolve(),))
    _validate(data, lines, model, str(path))
    return data


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError with readable messages."""
    return load_model(Path(path), Scenario)


def parse_model(text: str, model: type[M], source: str = "<text>") -> M:
    """Validate YAML text as `model`; errors carry `source` and line numbers."""
    data, lines = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}: expected a mapping of keys (name:, run:, stations: ...) at the top"])
    if BASE in data and BASE not in model.model_fields:
        raise ScenarioError([f"{source}:{lines.get((BASE,), 1)}: base: only a scenario file can name a base "
                             "(its path is relative to the file): load it with load_model"])
    return _validate(data, lines, model, source)


def _validate(data: dict, lines: dict[tuple, int], model: type[M], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, model, source, lines)) from None


def _read_mapping(path: Path) -> tuple[dict, dict[tuple, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc})"]) from None
    data, lines = _parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a mapping of keys (name:, run:, stations: ...) at the top"])
    return data, lines


# -- what-ifs: `base:` ------------------------------------------------------------------------------
BASE = "base"


def _on_base(
    path: Path, data: dict, lines: dict[tuple, int], model: type[BaseModel], chain: tuple[Path, ...]
) -> tuple[dict, dict[tuple, int]]:
    """A what-if file names its base (`base: cylindrical_line.yaml`, relative to the what-if) and
    lists only what it changes. The base is read and validated on its own first (its errors point
    into it; a base may have a base in turn), then the what-if's keys go over it:

    - a mapping section (run, calendar, product, crews) is changed key by key;
    - a list of named items (stations, sources, products) is changed item by item, matched by
      `name`; within an item each key given replaces the base's whole (cycle_time, failures ...),
      as a template's defaults are replaced; an item the base does not have is an error;
    - anything else (name, description) is replaced; `null` removes a key (e.g. `calendar: null`).

    Returns the merged data and its line map (the what-if's lines, moved to the merged positions)."""
    where = f"{path}:{lines.get((BASE,), 1)}: base"
    name = data[BASE]
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError([f"{where}: expected the base file's name, relative to this file (got {name!r})"])
    base_path = path.parent / name
    if base_path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, base_path.resolve()))
        raise ScenarioError([f"{where}: the files name each other as base in a cycle ({cycle})"])
    if not base_path.is_file():
        raise ScenarioError([f"{where}: no such file {name!r} (looked for {base_path})"])
    base, base_lines = _read_mapping(base_path)
    if BASE in base:
        base, base_lines = _on_base(base_path, base, base_lines, model, (*chain, base_path.resolve()))
    _validate(base, base_lines, model, str(base_path))
    merged = dict(base)
    merged_lines: dict[tuple, int] = {(): lines.get((), 1)}
    errors: list[str] = []
    moved: dict[str, dict[int, int]] = {}
    for key, value in data.items():
        if key == BASE:
            continue
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = {**old, **value}
        elif isinstance(old, list) and isinstance(value, list) and _named_items(old):
            merged[key], moved[key] = _merge_named(path, key, old, value, lines, errors)
        else:
            merged[key] = value
    if errors:
        raise ScenarioError(errors)
    for key_path, line in lines.items():
        if key_path and key_path[0] == BASE:
            continue
        if len(key_path) > 1 and key_path[0] in moved and isinstance(key_path[1], int):
            key_path = (key_path[0], moved[key_path[0]][key_path[1]], *key_path[2:])
        merged_lines[key_path] = line
    return merged, merged_lines


def _named_items(items: list) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def _merge_named(
    path: Path, section: str, old: list[dict], new: list, lines: dict[tuple, int], errors: list[str]
) -> tuple[list[dict], dict[int, int]]:
    """The base's items with the what-if's changes; and where each what-if item landed."""
    index = {item["name"]: i for i, item in enumerate(old)}
    merged = [dict(item) for item in old]
    landed: dict[int, int] = {}
    singular = section[:-1] if section.endswith("s") else section
    for j, item in enumerate(new):
        where = f"{path}:{lines.get((section, j), lines.get((section,), 1))}: {section}[{j}]"
        if not isinstance(item, dict) or "name" not in item:
            errors.append(f"{where}: a what-if names the base {singular} it changes (name: ...)")
            continue
        i = index.get(item["name"])
        if i is None:
            close = difflib.get_close_matches(str(item["name"]), list(index), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (the base has: {', '.join(index)})"
            errors.append(f"{where}.name: the base has no {singular} {item['name']!r}{hint}; a what-if changes "
                          f"the base's {section}, it does not add any (write a whole file for that)")
            continue
        merged[i] = {**merged[i], **item}
        landed[j] = i
    return merged, landed


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}: YAML syntax error: {problem}"]) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        try:
            _collect_lines(node, (), lines)
        except _RecursiveAlias as exc:
            raise ScenarioError([f"{source}:{exc.line}: a YAML alias contains itself (a recursive structure)"]) from None
    return data, lines


class _RecursiveAlias(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _collect_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int], inside: frozenset = frozenset()) -> None:
    """Map every key path in the document to its 1-based line (an alias that contains itself is refused)."""
    if id(node) in inside:
        raise _RecursiveAlias(node.start_mark.line + 1)
    inside = inside | {id(node)}
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            _collect_lines(value_node, key_path, lines, inside)
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines, inside)


def format_validation_error(
    exc: ValidationError, model: type[BaseModel], source: str, lines: dict[tuple, int]
) -> list[str]:
    """One line per problem; the branches of a scalar union (e.g. warm-up 'auto' or a duration)
    that all failed at the same place become one line ('... or: ...')."""
    merged: dict[str, list[str]] = {}
    for where_field, message in _error_lines(exc, model, source, lines):
        merged.setdefault(where_field, []).append(message)
    return [f"{where_field}: {' or: '.join(messages)}" for where_field, messages in merged.items()]


def _error_lines(
    exc: ValidationError, model: type[BaseModel], source: str, lines: dict[tuple, int]
) -> list[tuple[str, str]]:
    messages = []
    for error in exc.errors(include_url=False):
        if error["type"] == "too_short" and _data_path(field_path(tuple(error["loc"])), lines, "") + (0,) in lines:
            continue  # the list is not empty: its only items failed and have their own messages
        loc = _data_path(field_path(tuple(error["loc"])), lines, error["type"])
        if error["type"] == "station_kind":  # the discriminator: the station's kind is not one of them
            loc, error = (*loc, "kind"), {**error, "input": error["input"].get("kind")}
        line = _nearest_line(loc, lines)
        where = f"{source}:{line}" if line else source
        field = _format_path(loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else "?"
            message = f"unknown key {key!r}{_closest_key(key, model)}"
        elif error["type"] == "missing":
            message = "required field is missing"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if "input" in error and error["type"] not in ("value_error", "assertion_error", SPEC_ERROR):
                message += f" (got {error['input']!r})"
        messages.append((f"{where}: {field}", message))
    return messages


def _data_path(loc: tuple, lines: dict[tuple, int], error_type: str) -> tuple:
    """The location as the user wrote it: drops the union tags pydantic inserts
    (e.g. 'exponential' in stations[0].cycle_time.exponential.mean). A part not in the document
    is kept only where it names a missing key."""
    path: tuple = ()
    for position, part in enumerate(loc):
        missing_key = position == len(loc) - 1 and error_type == "missing" and not _UNION_TAG.search(str(part))
        if isinstance(part, int) or path + (part,) in lines or missing_key:
            path += (part,)
    return path


_UNION_TAG = re.compile(r"^(literal|function-\w+|constrained-\w+)\[")
"""pydantic's names for union branches (literal['auto'], function-after[...]), never a user's key."""


def _nearest_line(loc: tuple, lines: dict[tuple, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _format_path(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _all_field_names(model: type[BaseModel], seen: set | None = None) -> set[str]:
    """Every key a spec accepts anywhere in the model tree (aliases included)."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        for sub in _models_in(field.annotation):
            names |= _all_field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _closest_key(key: str, model: type[BaseModel]) -> str:
    close = difflib.get_close_matches(key, sorted(_all_field_names(model)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
