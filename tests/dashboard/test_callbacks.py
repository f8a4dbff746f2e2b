"""Callbacks as plain functions: every page for its URL, the form's validation and saving, starting
and polling runs (with a stand-in job manager), the improvement ranking, CSV downloads and the
pickers that write the URL."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

import pytest
import yaml
from dash import dcc, html
from dash.exceptions import PreventUpdate

from dashboard import callbacks, data, ids
from dashboard.callbacks import Context
from dashboard.jobs import JobLimits, JobStatus
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario


def walk(component: Any) -> Iterator[Any]:
    """Every component in a tree (children may be a component, a list or text)."""
    if isinstance(component, (list, tuple)):
        for item in component:
            yield from walk(item)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    yield component
    yield from walk(getattr(component, "children", None))


def find(component: Any, test: Callable[[Any], bool]) -> list[Any]:
    return [c for c in walk(component) if test(c)]


def with_id(component: Any, wanted: Any) -> Any:
    found = find(component, lambda c: getattr(c, "id", None) == wanted)
    assert len(found) == 1, f"{wanted!r}: {len(found)} found"
    return found[0]


def of_type(component: Any, kind: str) -> list[Any]:
    return find(component, lambda c: isinstance(getattr(c, "id", None), dict) and c.id.get("type") == kind)


def text_of(component: Any) -> str:
    """The text a component shows, in document order."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text_of(item) for item in component)
    return text_of(getattr(component, "children", None)) if hasattr(component, "to_plotly_json") else ""


def with_class(component: Any, name: str) -> list[Any]:
    return find(component, lambda c: name in (getattr(c, "className", None) or "").split())


class FakeJobs:
    """Records what would be started; statuses set by the test."""

    limits = JobLimits()

    def __init__(self) -> None:
        self.started: list[tuple[str, str]] = []
        self.statuses: dict[str, JobStatus] = {}
        self.owners: dict[str, str] = {}
        self.cancelled: list[tuple[str, Optional[str]]] = []

    def start_run(self, scenario_yaml: str, title: str, owner: str = "", **settings: Any) -> str:
        self.started.append((scenario_yaml, title))
        self.settings = settings
        job_id = f"job-{len(self.started)}"
        self.owners[job_id] = owner
        self.statuses[job_id] = JobStatus(job_id, "run", title, "running")
        return job_id

    def start_bottleneck(self, run_id: int, owner: str = "") -> str:
        self.started.append((f"bottleneck {run_id}", ""))
        return "rank-job"

    def status(self, job_id: str) -> Optional[JobStatus]:
        return self.statuses.get(job_id)

    def jobs_of(self, owner: str) -> list[JobStatus]:
        return [status for job_id, status in self.statuses.items() if self.owners.get(job_id, "") == owner]

    def cancel(self, job_id: str, owner: Optional[str] = None) -> Optional[JobStatus]:
        self.cancelled.append((job_id, owner))
        return self.statuses.get(job_id)


@pytest.fixture
def fake(stored, tmp_path) -> tuple[Context, FakeJobs]:
    """A context over the stored runs whose scenarios directory is this test's own (saving writes there)."""
    (tmp_path / "tiny_line.yaml").write_text((stored.scenarios_dir / "tiny_line.yaml").read_text())
    jobs = FakeJobs()
    settings = data.Settings(stored.db_path, tmp_path)
    return Context(settings, jobs), jobs  # type: ignore[arg-type]


def page(ctx: Context, path: str, search: str = "") -> Any:
    content, _ = callbacks.render_page(ctx, path, search)
    return content


# -- pages ------------------------------------------------------------------------------------
def test_every_page_has_a_stable_url(context):
    assert "tiny_line.yaml" in text_of(page(context, "/"))
    assert "Stored runs" in text_of(page(context, "/runs"))
    assert "Run 1 · fast-line" in text_of(page(context, "/runs/1"))
    assert "Compare runs" in text_of(page(context, "/compare", "?runs=1,2"))
    assert "Sweeps" in text_of(page(context, "/sweep"))
    assert "Page not found" in text_of(page(context, "/nowhere"))


def test_the_results_page_shows_kpi_cards_and_marks_the_bottleneck(context):
    content, refresh_off = callbacks.render_page(context, "/runs/1", "")
    assert refresh_off  # complete: nothing to refresh
    cards = with_class(content, "kpi-card")
    assert len(cards) == 6
    titles = [text_of(with_class(c, "kpi-title")) for c in cards]
    assert titles == ["Throughput", "Output", "Yield", "OEE of the bottleneck", "WIP", "Lead time"]
    assert "cells/day" in text_of(with_class(cards[0], "kpi-also"))  # beside cells/h
    assert all("95% CI" in text_of(with_class(c, "kpi-ci")) for c in cards)
    sentence = with_class(content, "bottleneck-sentence")[0]
    assert getattr(sentence, "data-bottleneck") == "formation" and "formation limits output" in text_of(sentence)
    assert any(getattr(t, "data-table", None) == "verdict-evidence" for t in with_class(sentence, "verdict-evidence"))
    graphs = {getattr(c, "data-graph") for c in with_class(content, "graph")}
    assert graphs == {"flow", "series", "states", "waterfall", "energy", "cost"}  # no improvement ranking stored
    assert {t.id["table"] for t in of_type(content, ids.TABLE_DATA)} == {"losses", "kpis", "stations", "states"}
    assert with_id(content, ids.RANK_BUTTON).style is None  # not ranked yet: the button offers it
    links = [c.href for c in with_class(content, "compare-link")]
    assert links[0] == "/compare?runs=2,1"


def test_a_stored_bottleneck_analysis_shows_its_improvement_ranking(context):
    content = page(context, "/runs/2")
    graphs = {getattr(c, "data-graph") for c in with_class(content, "graph")}
    assert "improvements" in graphs
    assert "improvements" in {t.id["table"] for t in of_type(content, ids.TABLE_DATA)}
    assert with_id(content, ids.RANK_BUTTON).style == {"display": "none"}  # ranked already


@pytest.mark.parametrize("path", ["/runs/abc", "/runs/99", "/compare?runs=x"])
def test_bad_urls_explain_instead_of_failing(context, path):
    pathname, _, search = path.partition("?")
    content = page(context, pathname, "?" + search if search else "")
    assert with_class(content, "notice-error") or "not stored" in text_of(content)


def test_compare_page_pairs_runs_and_notes_different_seeds(context):
    content = page(context, "/compare", "?runs=1,2")
    assert {t.id["table"] for t in of_type(content, ids.TABLE_DATA)} == {"compare-1-2", "side-by-side"}
    assert with_id(content, ids.COMPARE_SELECT).value == [1, 2]
    assert "different seeds" not in text_of(content)
    single = page(context, "/compare", "?runs=1")
    assert "Pick at least two runs" in text_of(single)


def test_sweep_page_defaults_to_the_newest_sweep_and_a_known_kpi(context):
    content = page(context, "/sweep", "?kpi=nonsense")
    assert with_id(content, ids.SWEEP_KPI).value == "throughput_per_h"
    groups = data.sweep_groups(context.settings)
    assert with_id(content, ids.SWEEP_GROUP).value == groups[0].group
    chosen = page(context, "/sweep", f"?group={groups[1].group}&kpi=yield")
    assert with_id(chosen, ids.SWEEP_GROUP).value == groups[1].group


def test_scenarios_page_opens_files_and_stored_scenarios(context):
    content = page(context, "/scenarios", "?file=tiny_line.yaml")
    assert with_id(content, ids.FORM_BASE).data["source"] == "file:tiny_line.yaml"
    assert len(of_type(content, ids.FIELD)) == 6 * 4 + 1 + 4
    stored = page(context, "/scenarios", "?run=2")
    assert with_id(stored, ids.FORM_BASE).data["name"] == "tiny-line-8-racks"
    bad = page(context, "/scenarios", "?file=../results.sqlite")
    assert with_class(bad, "notice-error") and not of_type(bad, ids.FIELD)


# -- the form ---------------------------------------------------------------------------------
def form_state(ctx: Context) -> tuple[dict, list[dict], list[Any], list[dict]]:
    """(FORM_BASE data, field ids, field values, error ids) as the page renders them."""
    content = page(ctx, "/scenarios", "?file=tiny_line.yaml")
    fields = of_type(content, ids.FIELD)
    return (with_id(content, ids.FORM_BASE).data, [f.id for f in fields], [f.value for f in fields],
            [e.id for e in of_type(content, ids.FIELD_ERROR)])


def set_value(field_ids: list[dict], values: list[Any], name: str, param: str, value: Any) -> list[Any]:
    index = next(i for i, f in enumerate(field_ids) if f["name"] == name and f["param"] == param)
    return values[:index] + [value] + values[index + 1:]


def test_validation_puts_the_message_next_to_the_field(context):
    base, field_ids, values, error_ids = form_state(context)
    messages, classes, summary = callbacks.validate_form(base, field_ids, values, error_ids)
    assert not any(messages) and "invalid" not in " ".join(classes) and summary == []
    bad = set_value(field_ids, values, "formation", "machines", "lots")
    messages, classes, summary = callbacks.validate_form(base, field_ids, bad, error_ids)
    slot = next(i for i, e in enumerate(error_ids) if e["name"] == "formation" and e["param"] == "machines")
    assert "valid integer" in messages[slot] and sum(bool(m) for m in messages) == 1
    assert classes.count("field-input invalid changed") == 1 and classes.count("field-input") == len(classes) - 1
    assert "Some values need fixing" in text_of(summary)
    edited = set_value(field_ids, values, "formation", "machines", "8")
    _, classes, _ = callbacks.validate_form(base, field_ids, edited, error_ids)
    assert classes.count("field-input changed") == 1  # the changed field is highlighted


def test_validation_survives_any_input(context):
    base, field_ids, values, error_ids = form_state(context)
    for nasty in (None, "", " ", "1e999", "-0", "∞", "{dist: x}", "[1, 2]", 3.5, 10**30):
        messages, _, _ = callbacks.validate_form(base, field_ids, [nasty] * len(values), error_ids)
        assert any(messages)
    with pytest.raises(PreventUpdate):
        callbacks.validate_form(None, field_ids, values, error_ids)


def test_save_writes_a_new_file_and_never_overwrites(fake):
    ctx, _ = fake
    base, field_ids, values, _ = form_state(ctx)
    edited = set_value(field_ids, values, "formation", "machines", "8")
    message = callbacks.save_whatif(ctx, base, field_ids, edited, "Eight racks!")
    assert "Saved as" in text_of(message)
    saved = ctx.settings.scenarios_dir / "eight-racks.yaml"
    written = yaml.safe_load(saved.read_text())  # a small `base:` file: the base keeps its comments
    assert written["base"] == "tiny_line.yaml" and written["stations"] == [{"name": "formation", "machines": 8}]
    assert set(written) == {"base", "name", "description", "stations"}
    scenario = load_scenario(saved)
    assert scenario.name == "Eight racks!" and scenario.station("formation").machines == 8
    assert scenario.station("winding") == load_scenario(ctx.settings.scenarios_dir / "tiny_line.yaml").station("winding")
    again = callbacks.save_whatif(ctx, base, field_ids, values, "eight racks")
    assert "already exists" in text_of(again)
    assert load_scenario(saved).station("formation").machines == 8
    assert "Give the what-if a name" in text_of(callbacks.save_whatif(ctx, base, field_ids, values, " ?! "))
    bad = set_value(field_ids, values, "filling", "yield", "2")
    assert "nothing was saved" in text_of(callbacks.save_whatif(ctx, base, field_ids, bad, "broken"))
    assert not (ctx.settings.scenarios_dir / "broken.yaml").exists()


def test_run_starts_a_background_job_with_the_edited_scenario(fake):
    ctx, jobs = fake
    base, field_ids, values, _ = form_state(ctx)
    message, rows, interval_off = callbacks.start_run(ctx, base, field_ids, values, "", "page-1")
    assert message == "" and not interval_off and len(rows) == 1 and jobs.owners == {"job-1": "page-1"}
    unchanged = Scenario.model_validate(yaml.safe_load(jobs.started[0][0]))
    assert unchanged.name == "fast-line" and jobs.started[0][1] == "fast-line"
    edited = set_value(field_ids, values, "formation", "machines", "8")
    _, rows, _ = callbacks.start_run(ctx, base, field_ids, edited, "", "page-1")
    assert len(rows) == 2 and "formation machines 6 → 8" in text_of(rows[0])  # newest first
    scenario = Scenario.model_validate(yaml.safe_load(jobs.started[1][0]))
    assert scenario.name == "fast-line · formation machines 6 → 8" and scenario.station("formation").machines == 8
    assert jobs.started[1][1] == "fast-line · formation machines 6 → 8"
    named, _, _ = callbacks.start_run(ctx, base, field_ids, edited, "Eight racks", "page-2")
    # the what-if box names saved files only: a run is named by what it changed
    assert Scenario.model_validate(yaml.safe_load(jobs.started[2][0])).name == "fast-line · formation machines 6 → 8"
    settings_only = set_value(field_ids, set_value(field_ids, values, "run", "replications", "2"), "run", "seed", "9")
    callbacks.start_run(ctx, base, field_ids, settings_only, "", "page-1")  # run settings, not scenario edits
    assert Scenario.model_validate(yaml.safe_load(jobs.started[3][0])) == unchanged
    assert jobs.settings == {"replications": 2, "seed": 9} and jobs.started[3][1] == "fast-line (2 replications, seed 9)"
    bad = set_value(field_ids, values, "formation", "machines", "0")
    message, _, _ = callbacks.start_run(ctx, base, field_ids, bad, "", "page-1")
    assert "nothing was started" in text_of(message) and len(jobs.started) == 4
    with pytest.raises(PreventUpdate):
        callbacks.start_run(ctx, base, field_ids, values, "", None)


def test_polling_shows_progress_then_a_link_to_the_results(fake):
    ctx, jobs = fake
    jobs.owners.update(a="page", b="page", c="another page")
    jobs.statuses["a"] = JobStatus("a", "run", "first", "running")
    jobs.statuses["c"] = JobStatus("c", "run", "someone else's", "running")
    rows, interval_off = callbacks.poll_jobs(ctx, "page")
    assert not interval_off and "preparing" in text_of(rows) and "someone" not in text_of(rows)
    jobs.statuses["a"] = JobStatus("a", "run", "first", "running", [1])
    rows, _ = callbacks.poll_jobs(ctx, "page")
    assert "3 of 3 replications stored" in text_of(rows)  # read from the database
    assert find(rows, lambda c: isinstance(c, dcc.Link) and c.href == "/runs/1")
    jobs.statuses["a"] = JobStatus("a", "run", "first", "done", [1])
    jobs.statuses["b"] = JobStatus("b", "run", "second", "failed", [], "bad scenario")
    rows, interval_off = callbacks.poll_jobs(ctx, "page")
    assert interval_off and len(rows) == 2 and "Failed: bad scenario" in text_of(rows)
    assert callbacks.poll_jobs(ctx, None) == ([], True)


# -- results page actions, downloads, pickers -------------------------------------------------
def test_rank_improvements_starts_and_reports(fake):
    ctx, jobs = fake
    job, panel, interval_off, button = callbacks.rank_improvements(ctx, ids.RANK_BUTTON, 1, None)
    assert job == {"run": 1, "job": "rank-job"} and not interval_off and jobs.started == [("bottleneck 1", "")]
    assert button == callbacks.HIDDEN  # one analysis at a time
    with pytest.raises(PreventUpdate):  # still running
        callbacks.rank_improvements(ctx, ids.RANK_INTERVAL, 1, job)
    jobs.statuses["rank-job"] = JobStatus("rank-job", "bottleneck", "", "failed", [1], "boom")
    _, panel, interval_off, button = callbacks.rank_improvements(ctx, ids.RANK_INTERVAL, 1, job)
    assert "failed: boom" in text_of(panel) and interval_off and button is None  # may try again
    jobs.statuses["rank-job"] = JobStatus("rank-job", "bottleneck", "", "done", [1])
    _, panel, _, _ = callbacks.rank_improvements(ctx, ids.RANK_INTERVAL, 1, job)
    assert "not in the database" in text_of(panel)  # no analysis of run 1 was stored


def test_downloads(context):
    table = {"key": "kpis", "columns": ["a", "b"], "rows": [[1, None]]}
    sent = callbacks.table_csv(table)
    assert sent["filename"] == "kpis.csv" and sent["content"] == "a,b\n1,\n"
    replications = callbacks.replications_csv(context, 1)
    assert replications["filename"] == "run-1-replications.csv" and replications["content"].count("\n") == 4
    with pytest.raises(PreventUpdate):
        callbacks.table_csv(None)


def test_pickers_write_the_url():
    assert callbacks.compare_search([3, 7]) == "?runs=3,7" and callbacks.compare_search([]) == ""
    assert callbacks.sweep_search("abc", "yield") == "?group=abc&kpi=yield"


def test_shell_has_the_url_and_page_slot():
    from dashboard.layout import shell

    shell_layout = shell("db.sqlite")
    assert with_id(shell_layout, ids.URL).refresh == "callback-nav"
    assert isinstance(with_id(shell_layout, ids.PAGE), html.Main)


def test_compare_says_when_runs_are_not_paired(stored):
    from dataclasses import replace

    from dashboard.layout import pairing_notes

    view = data.compare_view(stored, [1, 2])
    assert pairing_notes(view) == []
    (base, base_result), (other, other_result) = view.runs
    unpaired = data.CompareView([(base, base_result), (replace(other, seed=8, done=2), other_result)], [], [])
    notes = pairing_notes(unpaired)
    assert any("different seeds (7 and 8)" in n and "not paired" in n for n in notes)
    assert any("3 and 2 replications" in n for n in notes)


def test_the_stop_button_reaches_only_this_pages_job(fake):
    ctx, jobs = fake
    with pytest.raises(PreventUpdate):  # a click from a page without a token does nothing
        callbacks.cancel_job(ctx, None, {"type": ids.JOB_CANCEL, "job": "x"}, [1])
    with pytest.raises(PreventUpdate):  # the buttons were drawn, none was clicked
        callbacks.cancel_job(ctx, "page", {"type": ids.JOB_CANCEL, "job": "x"}, [None])
    callbacks.cancel_job(ctx, "page", {"type": ids.JOB_CANCEL, "job": "rank-job"}, [1])
    assert jobs.cancelled == [("rank-job", "page")]
