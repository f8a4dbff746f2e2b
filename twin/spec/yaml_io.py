"""Reading YAML into specs with messages a user can act on.

YAML syntax errors name the line; schema errors name the file line, the field path and what is
wrong, and an unknown key names the closest valid one. Everything raises ScenarioError, which the
CLI prints without a traceback (exit code 2). A scenario file may name a `base:` file and list
only what it changes (a what-if); `load_model` merges the two before validating.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.spec.errors import SPEC_ERROR
from twin.spec.plant import PlantSpec, compile_plant
from twin.spec.numbers import MAX_RUN_S
from twin.spec.scenario import Scenario, field_path
from twin.spec.units import in_unit, readable_unit, unit_of

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES_DEFAULT = 5 * 1024 * 1024
"""A scenario file larger than this is refused unread (real files are a few kB); the environment
variable TWIN_MAX_FILE_MB overrides it."""

MAX_DEPTH = 50
"""Nesting of mappings and lists deeper than this is refused (scenarios nest about 5 deep; the
YAML composer is recursive, so a deep file would otherwise exhaust the stack)."""

ALIAS_EXPANSION_BUDGET = 10_000
"""How many nodes aliases (*name) may add to a document once expanded: enough to reuse a failure
model on every station, far too few for a 'billion laughs' bomb."""


def max_file_bytes() -> int:
    """The size cap in bytes: TWIN_MAX_FILE_MB (a positive number) or 5 MB."""
    text = os.environ.get("TWIN_MAX_FILE_MB", "").strip()
    try:
        megabytes = float(text) if text else 0.0
    except ValueError:
        megabytes = 0.0
    return int(megabytes * 1024 * 1024) if 0 < megabytes < 1e6 else MAX_FILE_BYTES_DEFAULT


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
    """Read and validate a scenario file, or a plant file (it has `lines:`) compiled into one
    Scenario (twin.spec.plant); raises ScenarioError with readable messages."""
    path = Path(path)
    data, lines = _read_mapping(path)
    if PLANT_KEY in data:
        return _load_plant(path, data, lines)
    if BASE in data:
        data, lines = _on_base(path, data, lines, Scenario, (path.resolve(),))
    return _validate(data, lines, Scenario, str(path))


# -- plants: `lines:` -------------------------------------------------------------------------------
PLANT_KEY = "lines"


def _load_plant(path: Path, data: dict, lines: dict[tuple, int]) -> Scenario:
    """Each line file is read and validated on its own (its errors point into it), then the plant is
    compiled and validated as one scenario; an error in the result is reported at the plant file's
    `shared:` entry or the line file's station it comes from."""
    plant = _validate(data, lines, PlantSpec, str(path))
    scenarios: dict[str, Scenario] = {}
    line_files: dict[str, tuple[str, dict[tuple, int]]] = {}
    for name, ref in plant.lines.items():
        where = f"{path}:{lines.get((PLANT_KEY, name, 'file'), lines.get((PLANT_KEY, name), 1))}: lines.{name}.file"
        line_path = path.parent / ref.file
        try:
            exists = line_path.is_file()
        except (OSError, ValueError) as exc:
            raise ScenarioError([f"{where}: cannot use {ref.file!r} as a file name ({_one_line(exc)})"]) from None
        if not exists:
            raise ScenarioError([f"{where}: {_not_a_file(ref.file, line_path)}"])
        line_data, line_lines = _read_mapping(line_path)
        if PLANT_KEY in line_data:
            raise ScenarioError([f"{where}: {ref.file!r} is a plant file; a plant's lines are line files"])
        if BASE in line_data:
            line_data, line_lines = _on_base(line_path, line_data, line_lines, Scenario, (line_path.resolve(),))
        scenarios[name] = _validate(line_data, line_lines, Scenario, str(line_path))
        line_files[name] = (str(line_path), line_lines)
    try:
        compiled, origin = compile_plant(plant, scenarios)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, PlantSpec, str(path), lines)) from None

    def locate(loc: tuple) -> tuple[str, dict[tuple, int], tuple]:
        if len(loc) >= 2 and loc[0] in ("stations", "sources") and isinstance(loc[1], int):
            items = compiled[loc[0]]
            if loc[1] < len(items):
                name = items[loc[1]]["name"]
                if loc[0] == "stations" and isinstance(origin.get(name), int):
                    return str(path), lines, ("shared", origin[name], *loc[2:])
                line, local = name.split(".", 1)
                if loc[0] == "stations":
                    return (*line_files[line], ("stations", origin[name][1], *loc[2:]))
                index = next(i for i, s in enumerate(scenarios[line].sources) if s.name == local)
                return (*line_files[line], ("sources", index, *loc[2:]))
        return str(path), lines, loc

    try:
        return Scenario.model_validate(compiled)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, Scenario, str(path), lines, locate)) from None


def _not_a_file(name: str, path: Path) -> str:
    """Why a file another file names cannot be read: missing, or a directory (or other non-file)."""
    try:
        kind = "a directory" if path.is_dir() else "not a regular file" if path.exists() else None
    except OSError:
        kind = None
    if kind is None:
        return f"no such file {name!r} (looked for {path})"
    return f"{name!r} is {kind} ({path}): name a YAML file"


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


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 else f"{n_bytes:,} bytes"


def read_text_capped(path: Path) -> str:
    """The file's text, refusing anything but a regular file (a FIFO would block, /dev/zero never
    ends) and anything larger than `max_file_bytes()`."""
    limit = max_file_bytes()
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError([f"{path}: is a directory: give a YAML file"])
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([f"{path}: not a regular file (a directory, device or pipe): give a YAML file"])
        if info.st_size > limit:
            raise ScenarioError([f"{path}: the file is {_size(info.st_size)}, over the {_size(limit)} "
                                 "limit for a scenario (set TWIN_MAX_FILE_MB to raise it)"])
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
        if len(raw) > limit:  # grew while being read
            raise ScenarioError([f"{path}: the file is over the {_size(limit)} limit for a scenario "
                                 "(set TWIN_MAX_FILE_MB to raise it)"])
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: cannot read the file: not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc.strerror or type(exc).__name__})"]) from None
    except ValueError as exc:  # e.g. a NUL byte in the name
        raise ScenarioError([f"{path!r}: cannot use this file name ({exc})"]) from None


def _read_mapping(path: Path) -> tuple[dict, dict[tuple, int]]:
    text = read_text_capped(path)
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
    if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > 4096:
        raise ScenarioError([f"{where}: expected the base file's name, relative to this file (got {name!r})"])
    base_path = path.parent / name
    try:
        resolved = base_path.resolve()
        exists = base_path.is_file()
    except (OSError, ValueError, RuntimeError) as exc:  # a name the file system cannot take, a symlink loop
        raise ScenarioError([f"{where}: cannot use {name!r} as a file name ({_one_line(exc)})"]) from None
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError([f"{where}: the files name each other as base in a cycle ({cycle})"])
    if not exists:
        raise ScenarioError([f"{where}: {_not_a_file(name, base_path)}"])
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


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


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
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):

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
    """Parse in three steps so that no input can exhaust memory or the stack: events first
    (iterative; refuses nesting deeper than MAX_DEPTH), then the node graph (aliases still shared;
    refuses duplicate keys and alias expansion past ALIAS_EXPANSION_BUDGET), then the Python data."""
    limit = max_file_bytes()
    if len(text) > limit:
        raise ScenarioError([f"{source}: the text is over the {_size(limit)} limit for a scenario "
                             "(set TWIN_MAX_FILE_MB to raise it)"])
    try:
        _check_depth(text, source)
        loader, node = _compose(text)
        try:
            if node is not None:
                _check_graph(node, source)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except RecursionError:
        raise ScenarioError([f"{source}: the document nests too deeply to read"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}: YAML syntax error: {problem}"]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar the constructor cannot build (e.g. a date)
        raise ScenarioError([f"{source}: YAML value cannot be read: {exc}"]) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        try:
            _collect_lines(node, (), lines)
        except _RecursiveAlias as exc:
            raise ScenarioError([f"{source}:{exc.line}: a YAML alias contains itself (a recursive structure)"]) from None
    return data, lines


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: the pure-Python one takes about 1 ms per station, twice."""


def _compose(text: str) -> tuple[Any, Optional[yaml.Node]]:
    """(loader, node graph): libyaml when available; on a syntax error the pure-Python loader parses
    again, so that messages and lines are always the same ones."""
    for loader_class in dict.fromkeys((_FAST_LOADER, yaml.SafeLoader)):
        loader = loader_class(text)
        try:
            return loader, loader.get_single_node()
        except yaml.YAMLError:
            loader.dispose()
            if loader_class is yaml.SafeLoader:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_depth(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, from the parser's events (no recursion). A syntax
    error is left to the composer, which reports it with its line."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError([f"{source}:{event.start_mark.line + 1}: the document nests more than "
                                         f"{MAX_DEPTH} levels deep (a scenario needs fewer than 10)"])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return



def _check_graph(root: yaml.Node, source: str) -> None:
    """Refuse duplicate keys (naming both lines), aliases that contain themselves, and aliases
    that expand the document by more than ALIAS_EXPANSION_BUDGET nodes. The expanded size of each
    node is computed once (memoised), so a bomb is measured without being expanded."""
    own: set[int] = set()
    expanded: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order walk of the graph
        node, done = stack.pop()
        key = id(node)
        if done:
            visiting.discard(key)
            children = _children(node)
            expanded[key] = 1 + sum(expanded[id(child)] for child in children)
            continue
        if key in expanded:
            continue
        if key in visiting:
            raise ScenarioError([f"{source}:{node.start_mark.line + 1}: a YAML alias contains itself "
                                 "(a recursive structure)"])
        visiting.add(key)
        own.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, source)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)
    added = expanded[id(root)] - len(own)
    if added > ALIAS_EXPANSION_BUDGET:
        raise ScenarioError([f"{source}: YAML aliases (*name) expand the document by {added:,} nodes, over the "
                             f"limit of {ALIAS_EXPANSION_BUDGET:,}: write the values out or use fewer aliases"])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(node: yaml.MappingNode, source: str) -> None:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise ScenarioError([f"{source}:{line}: duplicate key {key_node.value!r} (first given at line "
                                 f"{seen[key_node.value]}); a key may appear once in a mapping"])
        seen[key_node.value] = line


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


Locate = Callable[[tuple], tuple[str, dict[tuple, int], tuple]]
"""A pydantic location -> (file, its line map, location in that file): a compiled plant's errors
belong to the plant file or to one of its line files."""


def format_validation_error(
    exc: ValidationError, model: type[BaseModel], source: str, lines: dict[tuple, int],
    locate: Optional[Locate] = None,
) -> list[str]:
    """One line per problem; the branches of a scalar union (e.g. warm-up 'auto' or a duration)
    that all failed at the same place become one line ('... or: ...')."""
    merged: dict[str, list[str]] = {}
    for where_field, message in _error_lines(exc, model, source, lines, locate):
        merged.setdefault(where_field, []).append(message)
    return [f"{where_field}: {' or: '.join(messages)}" for where_field, messages in merged.items()]


def _error_lines(
    exc: ValidationError, model: type[BaseModel], source: str, lines: dict[tuple, int],
    locate: Optional[Locate] = None,
) -> list[tuple[str, str]]:
    messages = []
    top_source, top_lines = source, lines
    for error in exc.errors(include_url=False):
        if locate is not None:
            source, lines, moved = locate(field_path(tuple(error["loc"])))
            error = {**error, "loc": moved}
        else:
            source, lines = top_source, top_lines
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
        elif (bound := _duration_bound(error)) is not None:
            message = bound
        else:
            message = error["msg"].removeprefix("Value error, ")
            if "input" in error and error["type"] not in ("value_error", "assertion_error", SPEC_ERROR):
                message += f" (got {error['input']!r})"
        messages.append((f"{where}: {field}", message))
    return messages


_BOUNDS = {"less_than_equal": ("le", "at most"), "less_than": ("lt", "less than"),
           "greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than")}


def _duration_bound(error: Any) -> Optional[str]:
    """A duration out of its bounds, said in the unit the file wrote it in ('must be at most 100 yr
    (got '200 yr')'), not in the seconds pydantic compared. A duration pydantic reports as seconds is
    recognised by its bound, the longest run (MAX_RUN_S: only durations have it), and said in a
    readable unit. None for anything else."""
    kind = _BOUNDS.get(error["type"])
    limit = (error.get("ctx") or {}).get(kind[0]) if kind else None
    if kind is None or not isinstance(limit, (int, float)):
        return None
    given = error.get("input")
    unit = unit_of(given)
    if unit is not None:
        got = repr(given)
    elif limit == MAX_RUN_S and isinstance(given, (int, float)) and not isinstance(given, bool):
        unit = readable_unit(max(abs(float(given)), float(limit)))
        got = in_unit(float(given), unit)
    else:
        return None
    longest = " (the longest run)" if limit == MAX_RUN_S and kind[0] in ("le", "lt") else ""
    return f"must be {kind[1]} {in_unit(float(limit), unit)}{longest} (got {got})"


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
    close = difflib.get_close_matches(key, sorted(_all_field_names(model) - {key}), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
