"""Hostile values sent from the page: the injection payloads of issue 13 against "save as what-if"
and "run". Each either is refused with nothing written, or gives a saved file that loads as exactly
the intended what-if (the base's scenario with the form's edits, no other change; its `base:` key,
when it has one, names the base file the server opened itself, never one the page named)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dashboard import callbacks, data, form, guard
from dashboard.callbacks import Context
from tests.dashboard.test_callbacks import FakeJobs, form_state, set_value, text_of
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

SECRET_KEYS = "secret_key: hunter2\n"


@pytest.fixture()
def fake(stored, tmp_path) -> tuple[Context, FakeJobs]:
    (tmp_path / "tiny_line.yaml").write_text((stored.scenarios_dir / "tiny_line.yaml").read_text())
    outside = tmp_path.parent / "outside_secret.yaml"
    outside.write_text(SECRET_KEYS)
    jobs = FakeJobs()
    return Context(data.Settings(stored.db_path, tmp_path), jobs), jobs  # type: ignore[arg-type]


def saved_files(ctx: Context) -> set[str]:
    return {p.name for p in ctx.settings.scenarios_dir.iterdir()} - {"tiny_line.yaml"}


def assert_intended(ctx: Context, name: str, machines: int) -> None:
    """The one saved file loads, names no base but the server's own base file (issue 19: a what-if of
    a file is a small `base:` file), and differs from the base only by name, description and
    formation machines."""
    [saved] = saved_files(ctx)
    path = ctx.settings.scenarios_dir / saved
    raw = yaml.safe_load(path.read_text())
    assert raw.get("base") in (None, "tiny_line.yaml") and "secret_key" not in path.read_text()
    scenario = load_scenario(path)
    original = load_scenario(ctx.settings.scenarios_dir / "tiny_line.yaml")
    assert scenario.name == name and scenario.station("formation").machines == machines
    expected = original.model_dump()
    expected["stations"][[s.name for s in original.stations].index("formation")]["machines"] = machines
    got = scenario.model_dump()
    for key in ("name", "description"):
        expected.pop(key), got.pop(key)
    assert got == expected


SOURCE_PAYLOADS = [
    "file:x\nbase: ../outside_secret.yaml #",
    "file:tiny_line.yaml\nbase: ../outside_secret.yaml #",
    "file:../outside_secret.yaml",
    "file:/etc/passwd",
    "run:1\nbase: ../outside_secret.yaml",
    "run:99999999999999999999999",
    "run:-1",
    "ftp:whatever",
    None,
    12,
]


@pytest.mark.parametrize("source", SOURCE_PAYLOADS, ids=repr)
def test_a_forged_source_is_refused_and_nothing_is_written(fake, source):
    ctx, jobs = fake
    base, field_ids, values, _ = form_state(ctx)
    message = callbacks.save_whatif(ctx, {**base, "source": source}, field_ids, values, "forged")
    assert "Nothing was saved" in text_of(message) and saved_files(ctx) == set()
    assert str(ctx.settings.scenarios_dir) not in text_of(message)
    started = callbacks.start_run(ctx, {**base, "source": source}, field_ids, values, "forged", "page")
    assert "Nothing was started" in text_of(started[0]) and jobs.started == []


NAME_PAYLOADS = [
    "x\ncalendar: {shifts_per_day: 1, shift_length: 1 h} #",
    "x\rbase: ../outside_secret.yaml",
    "x\u2028base: ../outside_secret.yaml",
    "nul\x00byte",
    "a" * 1000,
]


@pytest.mark.parametrize("name", NAME_PAYLOADS, ids=repr)
def test_a_name_with_control_characters_is_refused(fake, name):
    ctx, jobs = fake
    base, field_ids, values, _ = form_state(ctx)
    edited = set_value(field_ids, values, "formation", "machines", "8")
    assert "Nothing was saved" in text_of(callbacks.save_whatif(ctx, base, field_ids, edited, name))
    assert saved_files(ctx) == set()
    assert "Nothing was started" in text_of(callbacks.start_run(ctx, base, field_ids, edited, name, "p")[0])


def test_the_browsers_copy_of_the_scenario_is_ignored(fake):
    """A store whose data adds a base and changes the calendar saves the server's scenario with
    the form's edit only."""
    ctx, jobs = fake
    base, field_ids, values, _ = form_state(ctx)
    forged: dict[str, Any] = {**base, "name": "x\nbase: ../outside_secret.yaml #",
                              "data": {**base["data"], "base": "../outside_secret.yaml",
                                       "calendar": {"shifts_per_day": 1, "shift_length": "1 h"}}}
    edited = set_value(field_ids, values, "formation", "machines", "8")
    message = callbacks.save_whatif(ctx, forged, field_ids, edited, "Eight racks <b>bold</b> & co")
    assert "Saved as" in text_of(message)
    assert_intended(ctx, "Eight racks <b>bold</b> & co", 8)
    callbacks.start_run(ctx, forged, field_ids, edited, "", "page")
    started = Scenario.model_validate(yaml.safe_load(jobs.started[0][0]))
    assert started.calendar == load_scenario(ctx.settings.scenarios_dir / "tiny_line.yaml").calendar


def test_a_base_named_with_a_newline_still_saves_a_plain_what_if(fake):
    """A scenario whose own name holds a newline (no attacker) cannot write a line of YAML either."""
    ctx, _ = fake
    path = ctx.settings.scenarios_dir / "tiny_line.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["name"] = "tiny\nbase: ../outside_secret.yaml #"
    path.write_text(yaml.safe_dump(raw))
    try:
        load_scenario(path)
    except Exception:  # the schema refuses control characters in a name: then there is nothing to save
        content = callbacks.render_page(ctx, "/scenarios", "?file=tiny_line.yaml")[0]
        assert "does not load" in text_of(content)
        return
    base, field_ids, values, _ = form_state(ctx)
    callbacks.save_whatif(ctx, base, field_ids, set_value(field_ids, values, "formation", "machines", "8"), "plain")
    assert_intended(ctx, "plain", 8)


def test_header_lines_can_never_start_a_key():
    scenario = load_scenario_text()
    text = form.scenario_yaml(scenario, ["a\nbase: x.yaml #", "b\r\ncalendar: null", "c\u2028d"])
    assert yaml.safe_load(text).keys() == yaml.safe_load(form.scenario_yaml(scenario)).keys()
    assert text.count("\n") == form.scenario_yaml(scenario).count("\n") + 3


def load_scenario_text() -> Scenario:
    from tests.dashboard.conftest import tiny_line_data

    return Scenario.model_validate(tiny_line_data())


def test_pages_show_no_server_paths(fake):
    ctx, _ = fake
    content = callbacks.render_page(ctx, "/scenarios", "?file=missing.yaml")[0]
    shown = text_of(content)
    assert "missing.yaml" in shown and str(ctx.settings.scenarios_dir) not in shown
    assert str(ctx.settings.db_path.parent) not in text_of(callbacks.render_page(ctx, "/runs/99999", "")[0])


def test_forged_stores_elsewhere_are_ignored(fake):
    ctx, _ = fake
    from dash.exceptions import PreventUpdate

    for run_id in (True, -1, 2**70, "1; DROP TABLE runs", None):
        with pytest.raises(PreventUpdate):
            callbacks.rank_improvements(ctx, None, run_id, None)
        with pytest.raises(PreventUpdate):
            callbacks.replications_csv(ctx, run_id)
    with pytest.raises(PreventUpdate):
        callbacks.table_csv({"columns": "x"})
    assert guard.clean_name("  fine name ") == "fine name"


def test_station_names_are_plain_text_in_figures():
    from dashboard.figures import escape

    assert escape('<a href="javascript:alert(1)">x</a>') == '&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;'
