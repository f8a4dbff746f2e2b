"""The Dash app factory: `create_app(db_path, scenarios_dir)` wires the shell, the pages and the
callbacks for one results database and one scenarios directory. Nothing happens at import; the
app touches the disk only when a page asks (dashboard.data) or a run is started (dashboard.jobs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from dash import Dash

from dashboard import data, layout
from dashboard.callbacks import Context, register
from dashboard.jobs import JobManager
from dashboard.style import INDEX_TEMPLATE


def create_app(db_path: str | Path = data.DEFAULT_DB, scenarios_dir: str | Path = "scenarios",
               jobs: Optional[JobManager] = None) -> Dash:
    """A dashboard over the results database `db_path` (created by the first run if missing) and
    the scenario files in `scenarios_dir` (what-ifs are saved there). `jobs` runs the background
    commands; by default a JobManager of this app's own."""
    settings = data.Settings(Path(db_path).resolve(), Path(scenarios_dir).resolve())
    app = Dash(__name__, title="Coventry line twin", update_title=None, suppress_callback_exceptions=True)
    app.index_string = INDEX_TEMPLATE
    app.layout = layout.shell(str(db_path))
    register(app, Context(settings, jobs or JobManager(settings.db_path)))
    return app
