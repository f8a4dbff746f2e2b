"""Component ids of the dashboard, in one place so layout builders, callbacks and the browser tests
agree on them. Components repeated per station, table or job use pattern-matching ids (dicts with a
"type" key) built by the helpers below, never string suffixes.
"""

from __future__ import annotations

from typing import Any

# -- shell (every page) -----------------------------------------------------------------------
URL = "url"
PAGE = "page"
PAGE_REFRESH = "page-refresh"  # Interval that re-renders a page showing a run still in progress
BROWSER = "browser"  # Store (localStorage): this browser's id; the jobs it started are listed by it
NAV_LINK = "nav-link"  # pattern type: a menu entry, keyed by href (the current page's is marked)

# -- scenarios page ---------------------------------------------------------------------------
FIELD = "field"  # pattern type: one form input, keyed by section, name and param
FIELD_ERROR = "field-error"  # pattern type: the validation message next to that input
FORM_BASE = "form-base"  # Store: the scenario the form edits (as a dict) and the form's first values
FORM_DIRTY = "form-dirty"  # Store: whether the form has unsaved edits (the browser warns before losing them)
FORM_SAVED = "form-saved"  # Store: set when a save answered (the edits are in a file now)
FORM_SUMMARY = "form-summary"  # errors that belong to no single field, and the list of changes
SAVE_NAME = "save-name"
SAVE_BUTTON = "save-button"
SAVE_MESSAGE = "save-message"
RUN_BUTTON = "run-button"
RUN_MESSAGE = "run-message"
PAGE_TOKEN = "page-token"  # Store: this page's id (kept for old pages; jobs are listed by BROWSER)
JOBS_INTERVAL = "jobs-interval"  # shell: polls the job list on every page
JOBS_PROGRESS = "jobs-progress"  # shell: the job list beside every page
JOB_CANCEL = "job-cancel"  # Button per queued or running job: {"type": JOB_CANCEL, "job": job id}

# -- results page -----------------------------------------------------------------------------
RANK_BUTTON = "rank-button"
RANK_PANEL = "rank-panel"
RANK_JOB = "rank-job"  # Store: {"run": id, "job": job id}
RANK_INTERVAL = "rank-interval"
REPLICATIONS_BUTTON = "replications-button"
REPLICATIONS_DOWNLOAD = "replications-download"
RUN_ID = "run-id"  # Store: the run the results page shows

# -- compare and sweep pages ------------------------------------------------------------------
COMPARE_SELECT = "compare-select"
SWEEP_GROUP = "sweep-group"
SWEEP_KPI = "sweep-kpi"

# -- tables (any page) ------------------------------------------------------------------------
CSV_BUTTON = "csv-button"  # pattern type, keyed by table
CSV_DOWNLOAD = "csv-download"
TABLE_DATA = "table-data"  # Store with the table's raw rows, the source of the CSV

Section = str  # "station", "calendar" or "run"


def field(section: Section, name: str, param: str) -> dict[str, Any]:
    """A form input: `name` is the station's name (or 'calendar' / 'run' for those sections)."""
    return {"type": FIELD, "section": section, "name": name, "param": param}


def field_error(section: Section, name: str, param: str) -> dict[str, Any]:
    return {"type": FIELD_ERROR, "section": section, "name": name, "param": param}


def csv_button(table: str) -> dict[str, str]:
    return {"type": CSV_BUTTON, "table": table}


def csv_download(table: str) -> dict[str, str]:
    return {"type": CSV_DOWNLOAD, "table": table}


def table_data(table: str) -> dict[str, str]:
    return {"type": TABLE_DATA, "table": table}

# -- plan page (dashboard.plan_page) ------------------------------------------------------------
PLAN_FILE = "plan-file"  # Dropdown: the scenario file to plan
PLAN_KPI = "plan-kpi"
PLAN_VALUE = "plan-value"
PLAN_CONFIDENCE = "plan-confidence"
PLAN_VARY = "plan-vary"  # Textarea: one PATH=LO..HI per line
PLAN_BUDGET = "plan-budget"
PLAN_BUTTON = "plan-button"
PLAN_MESSAGE = "plan-message"
PLAN_JOB = "plan-job"  # Store: the job id of the plan this page started
PLAN_INTERVAL = "plan-interval"
PLAN_SELECT = "plan-select"  # Dropdown: a stored plan (by the run id of its check run)

# -- ramp-up page (dashboard.rampup_page) -------------------------------------------------------
RAMPUP_SELECT = "rampup-select"  # Dropdown (multi): one or two stored transient runs

# -- home page (dashboard.home_page) -------------------------------------------------------------
HOME_RUN = "home-run"  # pattern type: "Run again" per line card, keyed by file
HOME_RUN_ALL = "home-run-all"  # Button: run every line (the empty database's first step)
HOME_MESSAGE = "home-message"

# -- runs page ------------------------------------------------------------------------------------
RUN_DELETE_SELECT = "run-delete-select"  # Dropdown: stored runs that may be deleted
RUN_DELETE_BUTTON = "run-delete-button"  # ConfirmDialogProvider around the Delete button
RUNS_MESSAGE = "runs-message"

# -- sweep form (dashboard.sweep_form) ------------------------------------------------------------
SWEEP_FILE = "sweep-file"
SWEEP_STATION = "sweep-station"  # pattern type, keyed by axis (0 or 1)
SWEEP_PARAM = "sweep-param"  # pattern type, keyed by axis
SWEEP_VALUES = "sweep-values"  # pattern type, keyed by axis
SWEEP_REPLICATIONS = "sweep-replications"
SWEEP_BUTTON = "sweep-button"
SWEEP_MESSAGE = "sweep-message"

# -- scenario grid (dashboard.grid_form, on the Compare page) ----------------------------------
GRID_BASE = "grid-base"
GRID_WHATIFS = "grid-whatifs"
GRID_REPLICATIONS = "grid-replications"
GRID_BUTTON = "grid-button"
GRID_MESSAGE = "grid-message"


def home_run(filename: str) -> dict[str, str]:
    return {"type": HOME_RUN, "file": filename}


def sweep_axis(kind: str, axis: int) -> dict[str, Any]:
    return {"type": kind, "axis": axis}
