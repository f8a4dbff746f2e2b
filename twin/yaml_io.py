"""Reading YAML into specs with messages a user can act on.

YAML syntax errors name the line; schema errors name the file line, the field path and what is
wrong, and an unknown key names the closest valid one. Everything raises ScenarioError, which the
CLI prints without a traceback (exit code 2).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ScenarioError(Exception):
    """A scenario that cannot be used; `messages` holds one readable line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def load_model(path: Path, model: type[M]) -> M:
    """Parse the YAML file at `path` and validate it as `model`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc})"]) from None
    return parse_model(text, model, source=str(path))


def parse_model(text: str, model: type[M], source: str = "<text>") -> M:
    """Validate YAML text as `model`; errors carry `source` and line numbers."""
    data, lines = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}: expected a mapping of keys (name:, run:, stations: ...) at the top"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, model, source, lines)) from None


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
        _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    """Map every key path in the document to its 1-based line."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            _collect_lines(value_node, key_path, lines)
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines)


def format_validation_error(
    exc: ValidationError, model: type[BaseModel], source: str, lines: dict[tuple, int]
) -> list[str]:
    messages = []
    for error in exc.errors(include_url=False):
        loc = _data_path(error["loc"], lines)
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
            if "input" in error and error["type"] not in ("value_error", "assertion_error"):
                message += f" (got {error['input']!r})"
        messages.append(f"{where}: {field}: {message}")
    return messages


def _data_path(loc: tuple, lines: dict[tuple, int]) -> tuple:
    """The location as the user wrote it: drops the union tags pydantic inserts
    (e.g. 'exponential' in stations[0].cycle_time.exponential.mean)."""
    path: tuple = ()
    for position, part in enumerate(loc):
        if isinstance(part, int) or path + (part,) in lines or position == len(loc) - 1:
            path += (part,)
    return path


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
