"""The generated documents are current. docs/scenario-format.md is regenerated and compared exactly;
docs/lines-report.md (ten minutes of simulation) carries a stamp of what its numbers depend on
(package version, scenario hashes, the pinned results' digest), checked against today's. When one
fails, run `python docs/generate.py` and commit what it writes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_scenario_format_page_is_current():
    assert (ROOT / "docs" / "scenario-format.md").read_text() == _generator().scenario_format()


def test_the_lines_report_is_current():
    report = (ROOT / "docs" / "lines-report.md").read_text().splitlines()
    assert _generator().lines_stamp() in report[:5], "docs/lines-report.md is stale: run python docs/generate.py lines-report"


def test_the_readme_first_screen_serves_a_newcomer():
    readme = (ROOT / "README.md").read_text().splitlines()
    assert len(readme) < 200
    first_screen = "\n".join(readme[:60])
    assert "twin run scenarios/" in first_screen and "pytest" in first_screen
    for link in [part.split(")")[0] for part in "\n".join(readme).split("](")[1:]]:
        if not link.startswith(("http", "#")):
            assert (ROOT / link).exists(), f"README links to a missing file: {link}"


def test_the_readme_scenario_is_a_valid_complete_line():
    from twin.spec.scenario import Scenario
    from twin.spec.yaml_io import parse_model

    text = (ROOT / "README.md").read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario = parse_model(text, Scenario, "README.md")
    assert [s.name for s in scenario.stations] == ["m1", "m2"] and len(text.splitlines()) <= 10
