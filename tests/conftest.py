"""Test-wide settings: every test gets its own results database (TWIN_DB in its tmp_path), so
`twin run` without --db never writes twin-results.sqlite into the working tree, and no test sends
work to a Dask cluster named by the developer's TWIN_SCHEDULER."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_results_database(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TWIN_DB", str(tmp_path_factory.mktemp("db") / "twin-results.sqlite"))
    monkeypatch.delenv("TWIN_SCHEDULER", raising=False)
