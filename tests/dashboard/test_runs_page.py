"""The Runs page keeps runs under control: variant runs of rankings are counted, not listed; a
stored run can be deleted (a live one cannot); the page refreshes itself only while a run is going."""

from __future__ import annotations

import shutil

from dashboard import callbacks, data
from dashboard.callbacks import Context
from dashboard.jobs import JobManager
from tests.dashboard.test_callbacks import text_of, with_class
from twin.store.database import Store


def test_delete_a_stored_run_and_list_no_variants(stored, tiny_scenario, tmp_path):
    shutil.copy(stored.db_path, tmp_path / "copy.sqlite")
    settings = data.Settings(tmp_path / "copy.sqlite", stored.scenarios_dir)
    ctx = Context(settings, JobManager(settings.db_path))
    _, refresh_off = callbacks.render_page(ctx, "/runs", "")
    assert refresh_off  # nothing running: no refreshing
    with Store(settings.db_path) as store:  # a variant run this (live) process is writing
        variant = store.create_run(tiny_scenario, seed=7, planned=2, warmup_h=2.0, kind="bottleneck", label="variant")
    content, refresh_off = callbacks.render_page(ctx, "/runs", "")
    assert not refresh_off  # a run is going: the page refreshes itself
    assert "1 variant runs of improvement rankings are not listed" in text_of(content)
    assert "variant" not in text_of(with_class(content, "data-table")[0])
    assert "still running: stop it first" in text_of(callbacks.delete_run(ctx, variant))
    page = callbacks.delete_run(ctx, 1)
    assert "Deleted run 1." in text_of(page)
    assert 1 not in [r.id for r in data.run_records(settings)]
    assert "no run with id 1" in text_of(callbacks.delete_run(ctx, 1))
