"""Everything a browser sends is hostile: this module turns client-side values back into server facts.

The form's `dcc.Store` (FORM_BASE) carries a copy of the scenario being edited, but a page's stores
can be rewritten by anyone on the page. So the server never uses that copy: `server_base` keeps only
the store's `source` ("file:NAME.yaml" or "run:ID"), checks it strictly, and re-reads the scenario
from the scenarios directory or the results database. Names typed by a user are refused if they hold
control characters (a newline in a name must never become a line of a saved file), and messages
shown on a page have the server's paths replaced by bare names. Pure functions plus reads through
dashboard.data; no Dash.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Optional

from dashboard import data, form

MAX_NAME_CHARS = 120
"""A what-if name longer than this is refused (it becomes a file name and the scenario's name)."""

MAX_RUN_ID = 2**63 - 1
"""SQLite's INTEGER range: a larger run id cannot name a stored run."""

_SOURCE = re.compile(r"^(file|run):(.+)$")


class GuardError(ValueError):
    """A client-side value the server refuses; the message is safe to show on the page."""


def has_control_characters(text: str) -> bool:
    """True if `text` holds a control, format or separator character (newline, NUL, U+2028, RTL marks...)."""
    return any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in text)


def clean_name(name: Any) -> str:
    """A user's what-if name, stripped; refused when it is not plain one-line text of sane length."""
    if name is None:
        return ""
    if not isinstance(name, str):
        raise GuardError("the what-if name must be text")
    name = name.strip()
    if has_control_characters(name):
        raise GuardError("the what-if name may not contain line breaks or other control characters")
    if len(name) > MAX_NAME_CHARS:
        raise GuardError(f"the what-if name is longer than {MAX_NAME_CHARS} characters")
    return name


def run_id(value: Any) -> Optional[int]:
    """A run id from a client store: a positive int in SQLite's range, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_RUN_ID:
        return None
    return value


def server_base(settings: data.Settings, payload: Any) -> dict[str, Any]:
    """The form's base as the server knows it, from the client store's `source` alone:
    {"source", "name", "data", "initial"} (the same shape the page's store has)."""
    source = payload.get("source") if isinstance(payload, dict) else None
    match = _SOURCE.match(source) if isinstance(source, str) else None
    if match is None or has_control_characters(source):
        raise GuardError("the page's scenario reference is not valid: reload the page")
    kind, ref = match.groups()
    if kind == "file":
        found = data.scenario_file(settings, ref)  # a bare name in the scenarios directory only
        if found.scenario is None:
            raise GuardError(f"{found.filename} does not load any more: reload the page")
        scenario = found.scenario
        source = f"file:{found.filename}"
    else:
        number = run_id(int(ref)) if ref.isdigit() and len(ref) < 20 else None
        if number is None:
            raise GuardError("the page's run reference is not valid: reload the page")
        scenario = data.stored_scenario(settings, number)
        source = f"run:{number}"
    return {"source": source, "name": scenario.name, "data": form.base_data(scenario),
            "initial": form.encode_initial(form.form_fields(scenario))}


def source_label(base: dict[str, Any]) -> str:
    """Where the base came from, for a saved file's description ('cylindrical_line.yaml', 'run 12')."""
    kind, _, ref = base["source"].partition(":")
    return ref if kind == "file" else f"run {ref}"


def public(message: str, settings: data.Settings) -> str:
    """`message` with the server's directories replaced by their bare names (a page shows no paths)."""
    for path in (settings.db_path, settings.scenarios_dir):
        for form_of in {str(path.resolve()), str(path.absolute()), str(path)}:
            if form_of and form_of not in (".", Path(form_of).name):
                message = message.replace(form_of, Path(form_of).name)
    return message


def browser_id(value: Any) -> Optional[str]:
    """This browser's id from its localStorage: 32 lowercase hex digits (uuid4().hex), else None."""
    if isinstance(value, str) and len(value) == 32 and all(ch in "0123456789abcdef" for ch in value):
        return value
    return None
