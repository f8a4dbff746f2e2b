"""The what-if form of the Scenarios page: which key parameters a user may edit, their values as
text, and how edited text becomes a validated Scenario or messages next to the fields.

Validation is the scenario schema's own (`Scenario.model_validate` on the edited dict), so a form
that passes is exactly as valid as a file that says the same; this module only maps pydantic's
error locations back to the input a user typed into. Only fields whose text changed are written
into the dict, so untouched parameters keep their exact form (distribution, units) from the file.
Pure functions over plain data: no Dash, no I/O.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import yaml
from pydantic import ValidationError

from twin.spec.scenario import Scenario, StationSpec, field_path
from twin.spec.units import format_duration, parse_duration

FieldKey = tuple[str, str, str]
"""(section, name, param): section is 'station', 'calendar' or 'run'; name is the station's name
(or 'calendar' / 'run'); param is one of the *_PARAMS below, or ROW for a whole station."""

STATION_PARAMS = ("machines", "cycle_time", "buffer", "yield", "mtbf", "mttr")
RUN_PARAMS = ("replications", "length", "warmup", "seed")
ROW = "row"  # an error about a station as a whole (e.g. its kind's rules), shown by its name

DISTRIBUTIONS_WITH_MEAN = ("exponential", "lognormal", "gamma")
SCALED_FIELDS = ("low", "mode", "high", "scale")  # duration fields of the other distributions

LABELS = {
    "machines": "Machines", "cycle_time": "Cycle time (mean)", "buffer": "Buffer (lots)", "yield": "Yield",
    "mtbf": "MTBF", "mttr": "MTTR", "shifts_per_day": "Shifts per day", "replications": "Replications",
    "length": "Run length", "warmup": "Warm-up", "seed": "Seed",
}


@dataclass(frozen=True)
class FormField:
    """One input of the form with its first value (text, as shown)."""

    section: str
    name: str
    param: str
    value: str
    hint: str = ""

    @property
    def key(self) -> FieldKey:
        return (self.section, self.name, self.param)


@dataclass(frozen=True)
class FormOutcome:
    """What the edited form amounts to: the scenario (None while any field is wrong), messages per
    field, messages that belong to no field, and the changes in words."""

    scenario: Optional[Scenario]
    errors: dict[FieldKey, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


# -- the fields and their first values --------------------------------------------------------
def duration_text(seconds: float) -> str:
    """A duration as a user would type it: exact when short ('21 h', '3.333 s'), else 4 digits
    in the largest unit that keeps the number at least 1."""
    exact = format_duration(seconds)
    if len(exact) <= 10:
        return exact
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.4g} {unit}"
    return f"{seconds:.4g} s"


def station_fields(spec: StationSpec) -> list[FormField]:
    dwell = spec.kind == "dwell"
    per = "dwell time" if dwell else ("per load" if spec.kind == "batch" else f"per {spec.cycle_time.per}")
    fields = [
        FormField("station", spec.name, "machines", str(spec.capacity if dwell else spec.machines),
                  "places (lots held)" if dwell else "parallel machines"),
        FormField("station", spec.name, "cycle_time", duration_text(spec.cycle_time.mean_s),
                  f"{per}, {spec.cycle_time.dist}"),
        FormField("station", spec.name, "buffer", "" if spec.buffer is None else str(spec.buffer), "unlimited"),
        FormField("station", spec.name, "yield", f"{spec.yield_:g}", "0 to 1"),
    ]
    if not dwell:  # dwell stores do not fail
        ttf = "" if spec.failures is None else duration_text(spec.failures.ttf.mean_s)
        ttr = "" if spec.failures is None else duration_text(spec.failures.ttr.mean_s)
        fields += [FormField("station", spec.name, "mtbf", ttf, "none"),
                   FormField("station", spec.name, "mttr", ttr, "none")]
    return fields


def form_fields(scenario: Scenario) -> list[FormField]:
    """Every input of the form for `scenario`, stations in flow order, then calendar and run."""
    fields = [f for spec in scenario.stations for f in station_fields(spec)]
    shifts = "" if scenario.calendar is None else str(scenario.calendar.shifts_per_day)
    fields.append(FormField("calendar", "calendar", "shifts_per_day", shifts, "24/7"))
    run = scenario.run
    warmup = run.warmup if run.warmup == "auto" else duration_text(float(run.warmup))
    fields += [
        FormField("run", "run", "replications", str(run.replications)),
        FormField("run", "run", "length", duration_text(run.length), "e.g. 30 d"),
        FormField("run", "run", "warmup", warmup, "duration or auto"),
        FormField("run", "run", "seed", str(run.seed)),
    ]
    return fields


def base_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the dict the form edits: the fields its file set, JSON-ready."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)


# -- from edited text to a scenario -----------------------------------------------------------
class _FieldError(ValueError):
    """A value that cannot even be put into the dict (blank where required, not a duration)."""


def build(base: dict[str, Any], initial: dict[FieldKey, str], values: dict[FieldKey, Optional[str]]) -> FormOutcome:
    """Apply the changed `values` to `base` and validate. Never raises: every problem becomes a
    message on its field (or a general one)."""
    data = copy.deepcopy(base)
    texts = {key: _text(value) for key, value in values.items()}
    changed = {key for key, text in texts.items() if text != initial.get(key, "")}
    errors: dict[FieldKey, str] = {}
    try:
        base_scenario = Scenario.model_validate(base)
    except ValidationError as exc:  # a stored scenario today's schema rejects: nothing to edit safely
        return FormOutcome(None, general=[f"the scenario itself is not valid: {exc.errors()[0]['msg']}"])
    specs = {spec.name: spec for spec in base_scenario.stations}
    for station in data.get("stations", []):
        spec = specs.get(station.get("name"))
        if spec is not None:
            _apply_station(station, spec, texts, changed, errors)
    _apply_calendar(data, texts, changed, errors)
    _apply_run(data, texts, changed, errors)

    general: list[str] = []
    scenario: Optional[Scenario] = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            message = str(error["msg"]).removeprefix("Value error, ")
            key = field_of(tuple(error["loc"]), data, set(values))
            if key is None:
                general.append(message)
            elif key not in errors:
                errors[key] = message
            elif message not in errors[key]:
                errors[key] += f"; {message}"
    if errors or general:
        scenario = None
    return FormOutcome(scenario, errors, list(dict.fromkeys(general)), describe_changes(initial, texts, changed))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _apply_station(station: dict, spec: StationSpec, texts: dict[FieldKey, str], changed: set[FieldKey],
                   errors: dict[FieldKey, str]) -> None:
    name = spec.name

    def put(param: str, apply: Any) -> None:
        key = ("station", name, param)
        if key in changed:
            try:
                apply(texts[key])
            except _FieldError as exc:
                errors[key] = str(exc)

    def machines(text: str) -> None:
        station["capacity" if spec.kind == "dwell" else "machines"] = _required(text, "a whole number, at least 1")

    def cycle_time(text: str) -> None:
        station["cycle_time"] = with_mean(station["cycle_time"], spec.cycle_time.mean_s, text)

    def optional(key: str) -> Any:
        def apply(text: str) -> None:
            if text:
                station[key] = text
            else:
                station.pop(key, None)  # blank: the schema's default (unlimited buffer, yield 1)
        return apply

    put("machines", machines)
    put("cycle_time", cycle_time)
    put("buffer", optional("buffer"))
    put("yield", optional("yield"))
    _apply_failures(station, spec, texts, changed, errors)


def _apply_failures(station: dict, spec: StationSpec, texts: dict[FieldKey, str], changed: set[FieldKey],
                    errors: dict[FieldKey, str]) -> None:
    keys = {"ttf": ("station", spec.name, "mtbf"), "ttr": ("station", spec.name, "mttr")}
    if not any(key in changed for key in keys.values()):
        return
    given = {part: texts.get(key, "") for part, key in keys.items()}
    if not any(given.values()):
        station.pop("failures", None)
        return
    for part, key in keys.items():
        if not given[part]:
            errors[key] = "give both MTBF and MTTR (or leave both blank for no failures)"
            return
    failures = copy.deepcopy(station.get("failures")) or {}
    for part, key in keys.items():
        try:
            if part not in failures:  # a new failure model: exponential, the usual assumption
                failures[part] = {"dist": "exponential", "mean": _duration(given[part])[0]}
            elif key in changed:
                current = getattr(spec.failures, part).mean_s
                failures[part] = with_mean(failures[part], current, given[part])
        except _FieldError as exc:
            errors[key] = str(exc)
    station["failures"] = failures


def _apply_calendar(data: dict, texts: dict[FieldKey, str], changed: set[FieldKey], errors: dict[FieldKey, str]) -> None:
    key = ("calendar", "calendar", "shifts_per_day")
    if key not in changed:
        return
    if not texts[key]:
        data.pop("calendar", None)  # round the clock
    elif isinstance(data.get("calendar"), dict):
        data["calendar"]["shifts_per_day"] = texts[key]
    else:
        data["calendar"] = {"shifts_per_day": texts[key]}


def _apply_run(data: dict, texts: dict[FieldKey, str], changed: set[FieldKey], errors: dict[FieldKey, str]) -> None:
    for param in RUN_PARAMS:
        key = ("run", "run", param)
        if key in changed:
            try:
                data.setdefault("run", {})[param] = _required(texts[key], "a value")
            except _FieldError as exc:
                errors[key] = str(exc)


def _required(text: str, what: str) -> str:
    if not text:
        raise _FieldError(f"required: {what}")
    return text


def _duration(text: str) -> tuple[str, float]:
    """The text and its seconds; a duration the form accepts is more than zero."""
    if not text:
        raise _FieldError("required: a duration such as '45 s', '20 min' or '8 h'")
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise _FieldError(str(exc)) from None
    if seconds <= 0:
        raise _FieldError(f"must be longer than 0 s (got {text!r})")
    return text, seconds


def with_mean(dist: dict[str, Any], mean_s: float, text: str) -> dict[str, Any]:
    """The distribution (as a dict) with its mean set to the duration `text`: the mean itself where
    the distribution has one, else every duration scaled, so its shape (cv) stays the same."""
    text, seconds = _duration(text)
    kind = dist.get("dist")
    if kind in DISTRIBUTIONS_WITH_MEAN:
        return {**dist, "mean": text}
    if kind == "constant":
        return {**dist, "value": text}
    if mean_s <= 0:
        raise _FieldError("the current mean is 0: edit the scenario file to change this distribution")
    factor = seconds / mean_s
    scaled = dict(dist)
    for key in SCALED_FIELDS:
        if key in scaled:
            scaled[key] = f"{parse_duration(scaled[key]) * factor!r} s"
    if "values" in scaled:
        scaled["values"] = [f"{parse_duration(v) * factor!r} s" for v in scaled["values"]]
    return scaled


# -- error locations -> fields ----------------------------------------------------------------
_STATION_KEYS = {"machines": "machines", "capacity": "machines", "buffer": "buffer", "yield": "yield",
                 "cycle_time": "cycle_time"}


def field_of(loc: tuple, data: dict[str, Any], shown: Iterable[FieldKey]) -> Optional[FieldKey]:
    """The form field a pydantic error location belongs to (None: the scenario as a whole); every
    check, a station's own (a batch's buffer) and cross-references alike, names its key in `loc`."""
    shown = set(shown)
    loc = field_path(loc)
    if not loc:
        return None
    if loc[0] == "stations" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(data.get("stations", [])):
        name = str(data["stations"][loc[1]].get("name", loc[1]))
        part = loc[2] if len(loc) > 2 else None
        if part == "failures":
            param: Optional[str] = "mttr" if len(loc) > 3 and loc[3] == "ttr" else "mtbf"
        else:
            param = _STATION_KEYS.get(str(part))
        key = ("station", name, param or ROW)
        return key if key in shown else ("station", name, ROW)
    if loc[0] == "calendar":
        return ("calendar", "calendar", "shifts_per_day")
    if loc[0] == "run" and len(loc) > 1 and loc[1] in RUN_PARAMS:
        return ("run", "run", str(loc[1]))
    return None


def describe_changes(initial: dict[FieldKey, str], texts: dict[FieldKey, str], changed: set[FieldKey]) -> list[str]:
    """'formation machines: 6 -> 8', in form order."""
    lines = []
    for key in texts:
        if key in changed:
            section, name, param = key
            where = name if section == "station" else section
            lines.append(f"{where} {LABELS.get(param, param).lower()}: {initial.get(key) or '(blank)'} -> "
                         f"{texts[key] or '(blank)'}")
    return lines


# -- saving -----------------------------------------------------------------------------------
def slug(text: str, limit: int = 60) -> str:
    """A safe file stem from the user's text: lower case letters, digits, '-' and '_' only."""
    stem = re.sub(r"[^a-z0-9_]+", "-", text.strip().lower()).strip("-_")
    return stem[:limit].rstrip("-_")


def whatif_overlay(before: dict[str, Any], after: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What a `base:` what-if file must say to turn `before` into `after` (both as base_data gives
    them), by twin.spec.yaml_io's merge rules: mapping sections key by key, named lists item by item
    (each key given replaces the base's whole), anything else replaced, null removes. None when the
    rules cannot say it (an item added or removed): then the caller writes the whole scenario."""
    overlay: dict[str, Any] = {}
    for key in dict.fromkeys([*before, *after]):
        if key in ("name", "description"):
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key not in after:
            overlay[key] = None
        elif isinstance(old, dict) and isinstance(new, dict):
            overlay[key] = {k: new.get(k) for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)}
        elif isinstance(old, list) and isinstance(new, list) and all(isinstance(i, dict) and "name" in i
                                                                       for i in old + new):
            if [i["name"] for i in old] != [i["name"] for i in new]:
                return None
            items = []
            for was, now in zip(old, new):
                if was == now:
                    continue
                if any(k not in now for k in was):
                    return None  # a key the base sets cannot be removed from one item
                items.append({"name": now["name"], **{k: v for k, v in now.items() if k != "name" and was.get(k) != v}})
            overlay[key] = items
        else:
            overlay[key] = new
    return overlay


def whatif_file(base_file: str, scenario: Scenario, overlay: dict[str, Any], header: Iterable[str] = ()) -> str:
    """A small what-if file: `base:` (the base file keeps its comments), the name, description and
    only the changed fields, under comment lines `header`."""
    top: dict[str, Any] = {"base": base_file, "name": scenario.name, "description": scenario.description}
    top.update({key: (value if key in ("run", "product", "calendar") or value is None else _inline_leaves(value))
                for key, value in overlay.items()})
    body = yaml.dump(top, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return "".join(f"# {_comment(line)}\n" for line in header) + body


def whatif_name(base_name: str, changes: list[str], limit: int = 160) -> str:
    """A what-if named by what it changed: 'fast-line · formation machines 6 → 8'."""
    said = "; ".join(c.replace(": ", " ").replace(" -> ", " → ") for c in changes)
    name = f"{base_name} · {said}"
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


def as_whatif(scenario: Scenario, name: str, base_name: str, changes: list[str]) -> Scenario:
    """The scenario renamed as a what-if of `base_name`, its description listing the changes."""
    said = "; ".join(changes) if changes else "no changes"
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data.update(name=name, description=f"What-if of {base_name}: {said}.")
    return Scenario.model_validate(data)


class _Inline(dict):
    """A mapping written on one line (distributions, batch rules), as the hand-written files do."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Inline, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def _inline_leaves(node: Any) -> Any:
    """Mappings with no nested mapping become one-line; a distribution's 'dist' goes first."""
    if isinstance(node, list):
        return [_inline_leaves(item) for item in node]
    if not isinstance(node, dict):
        return node
    if not any(isinstance(value, (dict, list)) for value in node.values()):
        ordered = {"dist": node["dist"], **node} if "dist" in node else node
        return _Inline(ordered)
    return {key: _inline_leaves(value) for key, value in node.items()}


def scenario_yaml(scenario: Scenario, header: Iterable[str] = ()) -> str:
    """The scenario as a YAML file (the fields it sets), under comment lines `header`. Every value
    goes through the YAML serializer; a header line can never start a line of YAML (see `_comment`)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    top = {key: (value if key in ("run", "product", "calendar") else _inline_leaves(value))
           for key, value in data.items()}
    body = yaml.dump(top, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return "".join(f"# {_comment(line)}\n" for line in header) + body


def _comment(text: str) -> str:
    """One comment line: every control or line-separator character (\\n, \\r, U+2028, NUL ...) becomes
    a visible escape, so the text cannot end the comment and start a key."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def encode_initial(fields: Iterable[FormField]) -> list[list[str]]:
    """First values for a dcc.Store (JSON has no tuple keys)."""
    return [[f.section, f.name, f.param, f.value] for f in fields]


def decode_initial(rows: Iterable[list[str]]) -> dict[FieldKey, str]:
    return {(section, name, param): value for section, name, param, value in rows}
