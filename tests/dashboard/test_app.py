"""The app as a whole, without a browser: the factory does no I/O, every callback is wired to ids
from dashboard.ids, the dashboard never imports simpy itself, and the `dashboard` command parses
its options."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

import dashboard
from dashboard import ids
from dashboard.app import create_app
from dashboard.serve import dashboard_command

SOURCES = sorted(Path(dashboard.__file__).parent.glob("*.py"))


def test_create_app_touches_nothing_on_disk(tmp_path):
    app = create_app(tmp_path / "results.sqlite", tmp_path / "scenarios")
    assert not (tmp_path / "results.sqlite").exists() and not (tmp_path / "scenarios").exists()
    response = app.server.test_client().get("/")
    assert response.status_code == 200 and b"Coventry line twin" in response.data
    layout = app.server.test_client().get("/_dash-layout").get_json()
    assert "url" in str(layout) and not (tmp_path / "results.sqlite").exists()


def test_callbacks_are_wired_to_known_ids(tmp_path):
    app = create_app(tmp_path / "results.sqlite", tmp_path)
    known = {v for k, v in vars(ids).items() if k.isupper() and isinstance(v, str)}
    outputs = " ".join(app.callback_map)
    for callback in app.callback_map.values():
        for item in callback["inputs"] + callback["state"]:
            name = item["id"]
            assert name in known or name.startswith("{"), name
    assert ids.PAGE in outputs and ids.CSV_DOWNLOAD in outputs


def test_the_dashboard_never_imports_simpy_itself():
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "simpy" for n in names), path.name


def test_only_data_reads_the_store_and_scenario_files():
    """Other modules may name the store's record type and parse scenario text (jobs.py checks a job's
    limits before queueing it), never open the store or read files."""
    for path in SOURCES:
        if path.name == "data.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("twin.store.database", "twin.store.runs", "twin.spec.yaml_io"):
                assert {a.name for a in node.names} <= {"RunRecord", "DEFAULT_PATH", "StoreError", "ScenarioError", "parse_model"}, (
                    path.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.module == "twin.spec.scenario":
                assert "load_scenario" not in {a.name for a in node.names}, path.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                raise AssertionError(f"{path.name} opens a file")


def test_the_command_module_is_light_to_import():
    """`twin --help` imports it once registered: no Dash, no simulation engine until it runs."""
    import subprocess
    import sys

    probe = "import sys, dashboard.serve; print(sorted(m for m in ('dash', 'simpy', 'plotly') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_has_host_port_and_db_options():
    out = CliRunner().invoke(dashboard_command, ["--help"])
    assert out.exit_code == 0
    for option in ("--host", "--port", "--db", "--scenarios"):
        assert option in out.output
    assert "127.0.0.1" in out.output and "8050" in out.output
    assert dashboard_command.name == "dashboard"
