"""The work behind `twin calibrate` and `twin validate-against`, callable by any front end.

Calibration writes its scenario only when the whole log was read and checked and the written
file loads as a scenario: a bad log leaves no file behind (a partial fit is never written as if
complete), and the output is replaced atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

from twin.analysis.calibration import Calibration, calibrate, scenario_text
from twin.analysis.eventdata import EventData, LogError, load_map, read_log
from twin.experiments.validation import ValidationReport, validate
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import ScenarioError, load_scenario, parse_model, read_merged


class CalibrationFailed(ValueError):
    """A log or map that cannot be used, or an output that cannot be written (one line)."""


def read_event_log(log: Path, scenario: Scenario, map_path: Optional[Path] = None) -> EventData:
    try:
        mapping = load_map(map_path) if map_path is not None else None
        return read_log(log, [s.name for s in scenario.stations], mapping)
    except LogError as exc:
        raise CalibrationFailed(str(exc)) from None


def calibrate_file(log: Path, base_path: Path, out_path: Path, map_path: Optional[Path] = None) -> Calibration:
    """Fit from `log` over the scenario at `base_path` and write the calibrated scenario to `out_path`."""
    base = load_scenario(base_path)
    data = read_event_log(log, base, map_path)
    try:
        result = calibrate(data, base, log.name)
    except LogError as exc:
        raise CalibrationFailed(str(exc)) from None
    text = scenario_text(read_merged(base_path, Scenario), result, base_path.name, log.name)
    try:
        parse_model(text, Scenario, str(out_path))
    except ScenarioError as exc:  # a fitted value the schema refuses: a bug here, never written
        raise CalibrationFailed(f"{out_path}: the calibrated scenario does not validate: {exc.messages[0]}") from None
    target = out_path.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise CalibrationFailed(f"{out_path}: cannot write: {exc.strerror or exc}") from None
    return result


def validate_file(log: Path, scenario_path: Path, map_path: Optional[Path] = None, replications: Optional[int] = None,
                  warmup_s: Optional[float] = None, skip_s: float = 0.0, seed: Optional[int] = None) -> ValidationReport:
    """The validation report of the scenario at `scenario_path` against `log` (warm-up: the scenario's,
    or the automatic one's pilots when it says 'auto')."""
    scenario = load_scenario(scenario_path)
    data = read_event_log(log, scenario, map_path)
    if warmup_s is None:
        if scenario.run.warmup == "auto":
            from twin.experiments.replications import plan_experiment

            warmup_s = plan_experiment(scenario, seed).warmup.warmup_s
        else:
            warmup_s = float(scenario.run.warmup)
    try:
        return validate(data, scenario, replications, warmup_s, skip_s, seed)
    except ValueError as exc:
        raise CalibrationFailed(f"{log}: {exc}") from None
