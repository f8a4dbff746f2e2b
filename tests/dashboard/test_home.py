"""The home page and the shell as plain functions: a line card answers from its latest stored run
(cells/day and GWh/yr with CIs, the stored verdict, yield, Run again and What-if); an empty database
offers the first run with an estimate and starts it as this browser's jobs; numbers are rounded to
what their CI supports; the menu marks the current page."""

from __future__ import annotations

import shutil

import pytest
from dash import dcc
from dash.exceptions import PreventUpdate

from dashboard import data, home_page, ids
from dashboard.labels import rounded, rounded_ci
from dashboard.layout import nav_classes
from tests.dashboard.test_callbacks import FakeJobs, find, text_of, with_class


def test_a_line_card_answers_from_the_latest_stored_run(stored):
    content = home_page.page(stored, 2)
    cards = with_class(content, "line-card")
    assert [getattr(c, "data-line") for c in cards] == ["tiny_line.yaml"]  # what-ifs (base:) are not lines
    card = cards[0]
    runs = data.runs_of(stored, data.line_files(stored)[0].scenario.content_hash())
    latest = max(r.id for r in runs if r.done and r.kind != "sweep")  # run 1; a sweep point at 6 racks is not it
    assert getattr(card, "data-run") == str(latest)
    text = text_of(card)
    for words in ("Good cells per day", "cells/day", "GWh/yr", "95% CI", "cells/min", "cells/h", "Yield",
                  "Bottleneck: formation limits output", "Run again", "What-if"):
        assert words in text, words
    assert find(card, lambda c: isinstance(c, dcc.Link) and c.href == "/scenarios?file=tiny_line.yaml")
    assert not with_class(content, "first-run")  # runs are stored: no first-run offer


def test_an_empty_database_offers_the_first_run_with_an_estimate_and_starts_it(stored, tmp_path):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(stored.scenarios_dir / "tiny_line.yaml", scenarios / "tiny_line.yaml")
    empty = data.Settings(tmp_path / "none.sqlite", scenarios)
    content = home_page.page(empty, 2)
    offer = text_of(with_class(content, "first-run-row"))
    assert "No runs stored yet" in offer and "about 5 s" in offer  # 14 h x 4 stations: a few seconds
    assert "Not run yet" in text_of(with_class(content, "line-card"))
    jobs = FakeJobs()
    message = home_page.start_lines(empty, jobs, ["tiny_line.yaml"], "b" * 32)
    assert "Started fast-line" in text_of(message) and jobs.owners == {"job-1": "b" * 32}
    assert "not a line file" in text_of(home_page.start_lines(empty, jobs, ["../etc/passwd"], "b" * 32))
    with pytest.raises(PreventUpdate):  # no browser id yet: nothing to list the job under
        home_page.start_lines(empty, jobs, ["tiny_line.yaml"], None)
    assert not empty.db_path.exists()  # reading the home page creates no database


def test_the_first_run_estimate_packs_lines_onto_the_running_slots():
    class Line:
        def __init__(self, seconds: float) -> None:
            self.seconds_per_replication = seconds
            self.scenario = type("S", (), {"run": type("R", (), {"replications": 10})()})()

    lines = [Line(6.0), Line(9.0), Line(3.0)]
    assert home_page.estimate_s(lines, 2) == 90.0  # 90 | 60 + 30
    assert home_page.estimate_s(lines, 1) == 180.0


def test_numbers_are_rounded_to_what_their_ci_supports():
    assert rounded(0.0006502, 0.00061, 0.00069) == "0.00065"
    assert rounded(17345.6, 17000.0, 17700.0) == "17,300"
    assert rounded(102.306, 102.27, 102.34) == "102.31"
    assert rounded(655.3) == "655"  # no CI: three significant digits
    assert rounded_ci(655.3, 600.0, 710.0) == "660 (95% CI 600 – 710)"


def test_the_menu_marks_the_current_page():
    hrefs = ["/", "/scenarios", "/runs", "/sweep"]
    assert nav_classes("/", hrefs) == ["nav-link active", "nav-link", "nav-link", "nav-link"]
    assert nav_classes("/runs/7", hrefs)[2] == "nav-link active"
    assert nav_classes("/runsx", hrefs).count("nav-link active") == 0
    assert ids.home_run("a.yaml") == {"type": ids.HOME_RUN, "file": "a.yaml"}


def test_the_state_colours_are_told_apart_with_any_colour_vision():
    from dashboard.labels import STATE_COLOURS

    okabe_ito = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999"}
    assert set(STATE_COLOURS.values()) <= okabe_ito and len(set(STATE_COLOURS.values())) == len(STATE_COLOURS)


def test_charts_draw_the_nameplate_and_target_lines():
    from dashboard.facts import reference_lines

    cylindrical = reference_lines("cylindrical-line", 18.0, "throughput_per_h")
    assert [label for _, label in cylindrical] == ["nameplate 0.1 GWh/yr"]
    assert round(cylindrical[0][0]) == 634  # 0.1 GWh/yr of 18 Wh cells over 8,760 h
    power = reference_lines("power-cell-line", 20.0, "throughput_per_h")
    assert [round(v) for v, _ in power] == [5708, 5708]  # 1 GWh/yr of 20 Wh cells = 137,000 cells/day
    assert reference_lines("power-cell-line", 20.0, "gwh_per_year") == [(1.0, "nameplate 1 GWh/yr")]
    assert reference_lines("fast-line", 18.0, "throughput_per_h") == []


def test_what_ifs_and_plants_are_not_line_cards(tmp_path):
    from dashboard.data import _names_a_base

    for name, text, composed in (("line.yaml", "name: a\nrun: {length: 1 h}\n", False),
                                 ("whatif.yaml", "# a what-if\nbase: line.yaml\nname: b\n", True),
                                 ("plant.yaml", "name: p\nlines:\n  a: {file: line.yaml}\n", True)):
        (tmp_path / name).write_text(text)
        assert _names_a_base(tmp_path / name) == composed, name
