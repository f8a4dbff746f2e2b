"""The dashboard's data access: stored runs as views, the stored bottleneck analysis,
sweep labels read back, scenario files (and nothing outside their directory), safe saving."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard import data
from twin.store.database import Store


def test_run_view_judges_the_bottleneck_and_builds_the_waterfall(stored):
    view = data.run_view(stored, 1)
    assert view.status == "complete" and view.result is not None and len(view.replications) == 3
    assert view.verdict.primary == "formation" and view.bottleneck == "formation"
    assert view.waterfall.bottleneck == "formation"
    assert view.others[0].id == 2  # the same-seed run of the same line comes first, sweeps last
    assert view.analysis is None  # nothing stored yet


def test_a_result_stored_by_an_older_version_is_aggregated_again(stored, tmp_path):
    """The stored aggregate lacks a field added since (it reads back as absent): the page still
    shows the run instead of failing."""
    import shutil
    import sqlite3

    copy = tmp_path / "old.sqlite"
    shutil.copy(stored.db_path, copy)
    with sqlite3.connect(copy) as db:  # make run 1's aggregate look like an older schema's
        text = db.execute("SELECT result_json FROM runs WHERE id = 1").fetchone()[0]
        old = json.loads(text)
        for station in old["stations"].values():
            station.pop("processed_per_h")
        db.execute("UPDATE runs SET result_json = ? WHERE id = 1", (json.dumps(old),))
    settings = data.Settings(copy, stored.scenarios_dir)
    view = data.run_view(settings, 1)
    assert view.result is not None
    assert view.result.kpis["throughput_per_h"] == data.run_view(stored, 1).result.kpis["throughput_per_h"]
    assert [s for _, s, _ in data.run_summaries(settings)][-1] == "complete"
    with sqlite3.connect(copy) as db:  # and replications no model can read: a message, not a failure
        db.execute("UPDATE replications SET result_json = '{}' WHERE run_id = 1")
        db.execute("UPDATE runs SET result_json = NULL, status = 'interrupted' WHERE id = 1")
    with pytest.raises(data.DataError, match="cannot read"):
        data.run_view(settings, 1)
    assert "unreadable" in [s for _, s, _ in data.run_summaries(settings)][-1]


def test_unknown_runs_and_a_missing_database_are_messages(stored, tmp_path):
    with pytest.raises(data.DataError, match="no run with id 99"):
        data.run_view(stored, 99)
    empty = data.Settings(tmp_path / "none.sqlite", tmp_path)
    assert data.run_records(empty) == [] and data.run_summaries(empty) == []
    assert not (tmp_path / "none.sqlite").exists()  # reading never creates the database
    with pytest.raises(data.DataError, match="no results database"):
        data.run_view(empty, 1)
    not_ours = tmp_path / "other.sqlite"
    not_ours.write_text("not a database")
    with pytest.raises(data.DataError):
        data.run_records(data.Settings(not_ours, tmp_path))


def test_a_run_shows_the_bottleneck_analysis_it_stored(stored):
    with Store(stored.db_path, create=False) as store:
        assert data.bottleneck_analysis(store, 1) is None  # none stored for run 1
        assert data.bottleneck_analysis(store, 2).ranking  # `twin bottleneck --run 2` stored one


def test_sweep_groups_and_views(stored):
    groups = data.sweep_groups(stored)
    assert [len(g.parameters) for g in groups] == [2, 1]  # newest first
    view = data.sweep_view(stored, groups[1].group)
    assert [p.settings["stations.formation.machines"] for p in view.points] == [5, 6, 8] and view.pending == 0
    assert data.sweep_view(stored, "no-such-group") is None


def test_scenario_files_are_listed_and_only_they_can_be_opened(stored):
    files = data.scenario_files(stored)
    assert [f.filename for f in files] == ["tiny_line.yaml"] and files[0].scenario is not None
    for bad in ("../results.sqlite", "/etc/passwd", "tiny_line.txt", "missing.yaml"):
        with pytest.raises(data.DataError):
            data.scenario_file(stored, bad)


def test_an_invalid_file_is_listed_with_its_problems(tmp_path):
    (tmp_path / "broken.yaml").write_text("name: x\nrun: {length: 1 h}\nsources: []\nstations: []\n")
    (found,) = data.scenario_files(data.Settings(tmp_path / "db.sqlite", tmp_path))
    assert found.scenario is None and found.problems


def test_saving_never_overwrites(tmp_path):
    settings = data.Settings(tmp_path / "db.sqlite", tmp_path / "scenarios")
    path = data.save_scenario_file(settings, "what-if", "name: a\n")
    assert path == tmp_path / "scenarios" / "what-if.yaml" and path.read_text() == "name: a\n"
    with pytest.raises(FileExistsError):
        data.save_scenario_file(settings, "what-if", "name: b\n")
    assert path.read_text() == "name: a\n"
    with pytest.raises(data.DataError):
        data.save_scenario_file(settings, "../escape", "x")
    assert not Path(tmp_path / "escape.yaml").exists()


def test_stored_scenarios_leave_out_the_files(stored):
    file_hash = data.scenario_files(stored)[0].scenario.content_hash()
    listed = data.stored_scenarios(stored, exclude_hashes=[file_hash])
    assert file_hash not in {s.scenario_hash for s in listed}
    assert {s.name for s in listed} >= {"tiny-line-8-racks"}
    assert len(data.runs_of(stored, file_hash)) >= 1


def test_replications_csv_has_a_row_per_replication(stored):
    lines = data.replications_csv(stored, 1).strip().splitlines()
    assert lines[0].startswith("replication,") and len(lines) == 4
