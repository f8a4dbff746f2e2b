"""Tables as plain data, and their CSV export: the numbers shown are the numbers downloaded."""

from __future__ import annotations

import csv
import io

import pytest

from dashboard import data, labels, tables


@pytest.fixture(scope="module")
def baseline(stored) -> data.RunView:
    return data.run_view(stored, 1)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_kpi_table_has_every_line_kpi_with_its_interval(baseline):
    table = tables.kpi_table(baseline.result)
    rows = {row[-1]: row for row in table.rows}
    assert set(rows) == set(baseline.result.kpis)
    label, unit, mean, lo, hi, _ = rows["yield"]
    assert unit == "%" and mean == pytest.approx(100 * baseline.result.kpis["yield"].mean)
    assert lo <= mean <= hi


def test_station_table_marks_the_bottleneck(baseline):
    order = ["winding", "filling", "formation", "eol_test"]
    table = tables.station_table(baseline.result, order, "formation")
    assert [row[0] for row in table.rows] == order
    assert table.marked == [False, False, True, False]
    assert len(table.columns) == len(table.rows[0])
    assert "cycle times" in table.notes["performance %"] and "Above 100 %" in table.notes["performance %"]


def test_electrode_stations_count_rolls_and_the_rest_cells():
    from dashboard.labels import station_units
    from twin.spec.yaml_io import load_scenario
    from tests.dashboard.conftest import FAST_LINE

    line = load_scenario(FAST_LINE.parents[2] / "scenarios" / "cylindrical_line.yaml")
    units = station_units(line)
    rolls = {name for name, unit in units.items() if unit == "rolls"}
    assert rolls == {f"{step}_{side}" for step in ("mixing", "coating", "calendering", "slitting", "vacuum_drying")
                     for side in ("cathode", "anode")}
    assert units["winding"] == units["grading"] == "cells"
    assert set(station_units(load_scenario(FAST_LINE)).values()) == {"cells"}  # no material source: all cells


def test_waterfall_table_shows_losses_as_negative_with_ordered_intervals(baseline):
    table = tables.waterfall_table(baseline.waterfall)
    assert table.rows[0][0] == "ideal capacity" and table.rows[-1][0] == "good output"
    ideal, good = table.rows[0][2], table.rows[-1][2]
    assert ideal + sum(row[2] for row in table.rows[1:-1]) == pytest.approx(good)
    for row in table.rows:
        if row[3] is not None:
            assert row[3] <= row[4]


def test_comparison_table_marks_significant_differences(stored):
    comparison = data.compare_view(stored, [1, 2]).comparisons[0]
    table = tables.comparison_table(comparison)
    assert table.key == "compare-1-2"
    assert table.marked == [item.significant for item in comparison.kpis.values()]
    assert [row[-1] for row in table.rows] == ["yes" if m else "no" for m in table.marked]


def test_runs_table_links_each_run(stored):
    table = tables.runs_table(data.run_summaries(stored))
    assert table.links == {"run": "/runs/{}"}
    assert [row[0] for row in table.rows][-2:] == [2, 1]  # newest first


def test_sweep_table_has_a_column_per_parameter(stored):
    group = next(g for g in data.sweep_groups(stored) if len(g.parameters) == 2)
    view = data.sweep_view(stored, group.group)
    table = tables.sweep_table(view.points, group.parameters)
    assert table.columns[1:3] == [labels.path_words(p) for p in group.parameters] and len(table.rows) == 4
    assert table.columns[1] != group.parameters[0]  # in words, not the dotted path


def test_csv_is_the_table_as_shown():
    table = tables.Table("t", "T", ["a", "b", "c"], [[1, None, "x, y"], [2.5, 3, "z"]])
    rows = read_csv(tables.to_csv(table.columns, table.rows))
    assert rows == [["a", "b", "c"], ["1", "", "x, y"], ["2.5", "3", "z"]]
    assert table.as_data() == {"key": "t", "columns": ["a", "b", "c"], "rows": [[1, None, "x, y"], [2.5, 3, "z"]]}
