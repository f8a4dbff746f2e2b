"""Figure functions as plain functions of result models: what each draws, checked on the figure's
data (traces, shapes, annotations), not on pixels."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard import data, figures
from twin.analysis.bottleneck import analyse
from twin.experiments.replications import run_replications


@pytest.fixture(scope="module")
def baseline(stored) -> data.RunView:
    return data.run_view(stored, 1)


@pytest.fixture(scope="module")
def analysis(tiny_scenario):
    base = run_replications(tiny_scenario)
    return analyse(tiny_scenario, base, lambda variant: run_replications(variant), top=2)


def texts(figure: go.Figure) -> list[str]:
    return [a.text for a in figure.layout.annotations]


def annotation_x(figure: go.Figure, text: str) -> list[float]:
    return [a.x for a in figure.layout.annotations if a.text == text]


def test_flow_draws_stations_in_order_coloured_by_utilisation_with_the_bottleneck_marked(stored, baseline):
    figure = figures.flow_figure(baseline.result, baseline.scenario, baseline.verdict)
    boxes = [s for s in figure.layout.shapes if s.type == "rect"]
    assert len(boxes) == 4
    order = figures.flow_order(baseline.result, baseline.scenario)
    assert order == ["winding", "filling", "formation", "eol_test"]
    assert annotation_x(figure, "<b>BOTTLENECK</b>") == [order.index("formation")]
    marked = [box for box in boxes if box.line.width == 4]
    assert len(marked) == 1 and marked[0].x0 < order.index("formation") < marked[0].x1
    assert len({box.fillcolor for box in boxes}) > 1  # utilisations differ, so do the colours
    assert any("util" in t for t in texts(figure))
    whatif = data.run_view(stored, 2)
    moved = figures.flow_figure(whatif.result, whatif.scenario, whatif.verdict)
    assert annotation_x(moved, "<b>BOTTLENECK</b>") == [order.index("winding")]


def test_walk_arrows_point_towards_the_bottleneck(baseline):
    figure = figures.flow_figure(baseline.result, baseline.scenario, baseline.verdict)
    arrows = {round(a.ax): (a.x - a.ax) for a in figure.layout.annotations
              if a.showarrow and a.axref == "x" and a.ay == a.y and a.y < 0}
    words = {round(a.x): a.text for a in figure.layout.annotations if a.text in ("starved", "blocked")}
    assert words[0] == "blocked" and arrows[0] > 0  # winding waits for room: the bottleneck is downstream
    assert words[3] == "starved" and arrows[3] < 0  # eol_test waits for work: it is upstream
    for x, word in words.items():
        assert (arrows[x] > 0) == (word == "blocked")


def test_flow_marks_candidates_when_no_bottleneck_is_significant(baseline):
    tie = baseline.verdict.model_copy(update={"primary": None, "momentary": None, "method": "paired",
                                              "unresolved": ["formation", "winding"]})
    figure = figures.flow_figure(baseline.result, baseline.scenario, tie)
    assert "<b>BOTTLENECK</b>" not in texts(figure) and texts(figure).count("<b>candidate</b>") == 2
    assert sum(1 for s in figure.layout.shapes if s.type == "rect" and s.line.dash == "dash") == 2


def test_flow_marks_the_momentary_bottleneck_dashed_beside_the_constraint(baseline):
    moved = baseline.verdict.model_copy(update={"primary": "winding", "momentary": "formation"})
    figure = figures.flow_figure(baseline.result, baseline.scenario, moved)
    order = figures.flow_order(baseline.result, baseline.scenario)
    assert annotation_x(figure, "<b>BOTTLENECK</b>") == [order.index("winding")]
    assert annotation_x(figure, "momentary") == [order.index("formation")]
    dashed = [s for s in figure.layout.shapes if s.type == "rect" and s.line.dash == "dash"]
    assert len(dashed) == 1 and dashed[0].x0 < order.index("formation") < dashed[0].x1


def test_flow_without_the_scenario_uses_the_result_order(baseline):
    figure = figures.flow_figure(baseline.result, None, None)
    assert len([s for s in figure.layout.shapes if s.type == "rect"]) == 4


def test_state_bars_stack_to_the_whole_machine_time(baseline):
    order = figures.flow_order(baseline.result, baseline.scenario)
    figure = figures.states_figure(baseline.result, order)
    assert figure.layout.barmode == "stack"
    assert {t.name for t in figure.data} >= {"working", "blocked", "starved"}
    for i, station in enumerate(figure.data[0].y):
        total = sum(trace.x[i] for trace in figure.data)
        assert total == pytest.approx(100, abs=0.5), station
    assert list(figure.data[0].y) == order[::-1]  # flow order from the top


def test_series_marks_the_warm_up(baseline):
    figure = figures.series_figure(baseline.result)
    names = [t.name for t in figure.data]
    assert "throughput" in names and "WIP" in names
    warmups = [s for s in figure.layout.shapes if s.type == "rect"]
    assert warmups and all(s.x0 == 0 and s.x1 == pytest.approx(baseline.result.warmup_h) for s in warmups)
    assert "warm-up (not counted)" in texts(figure)


def test_waterfall_runs_from_ideal_capacity_to_good_output(baseline):
    waterfall = baseline.waterfall
    figure = figures.waterfall_figure(waterfall)
    trace = figure.data[0]
    assert trace.type == "waterfall"
    assert trace.measure[0] == "absolute" and trace.measure[-1] == "total"
    assert trace.y[0] == pytest.approx(waterfall.ideal_per_h.mean)
    assert trace.y[-1] == pytest.approx(waterfall.actual_per_h.mean)
    assert trace.y[0] + sum(trace.y[1:-1]) == pytest.approx(trace.y[-1], rel=1e-9)  # the steps close the sum
    assert len(trace.y) < len(waterfall.steps) + 2  # zero and tiny steps pooled


def test_improvements_are_bars_with_their_paired_intervals(analysis):
    figure = figures.improvements_figure(analysis)
    bars = figure.data[0]
    assert len(bars.x) == len(analysis.improvements) == 2
    assert list(bars.x)[::-1] == [g.throughput_gain_per_h.mean for g in analysis.improvements]
    colours = dict(zip(bars.y, bars.marker.color))
    for gain in analysis.improvements:
        expected = figures.SIGNIFICANT if gain.significant else figures.NOT_SIGNIFICANT
        assert colours[f"{gain.station} ({gain.change})"] == expected


def test_comparison_shows_relative_differences(stored):
    view = data.compare_view(stored, [1, 2])
    figure = figures.comparison_figure(view.comparisons)
    assert len(figure.data) == 1
    item = view.comparisons[0].kpis["throughput_per_h"]
    point = dict(zip(figure.data[0].y, figure.data[0].x))["Throughput"]
    assert point == pytest.approx(100 * item.difference / item.base)
    assert figures.comparison_figure([]).layout.annotations[0].text == "pick at least two runs"


def test_a_one_parameter_sweep_is_a_line_with_a_ci_band(stored):
    group = next(g for g in data.sweep_groups(stored) if len(g.parameters) == 1)
    view = data.sweep_view(stored, group.group)
    figure = figures.sweep_figure(view.points, group.parameters, "throughput_per_h")
    band, line = figure.data
    assert band.fill == "toself" and list(line.x) == [5, 6, 8]
    assert len(band.x) == 2 * len(line.x)


def test_a_two_parameter_sweep_is_a_heatmap(stored):
    group = next(g for g in data.sweep_groups(stored) if len(g.parameters) == 2)
    view = data.sweep_view(stored, group.group)
    figure = figures.sweep_figure(view.points, group.parameters, "throughput_per_h", view.against_base)
    heatmap = figure.data[0]
    assert heatmap.type == "heatmap"
    assert list(heatmap.y) == ["5", "8"] and list(heatmap.x) == ["5", "20"]
    assert figure.layout.xaxis.title.text == "filling buffer (lots)"  # words, not dotted paths
    assert figure.layout.yaxis.title.text == "formation machines"
    assert heatmap.text[0][0].endswith("base") and heatmap.z[0][0] == 0
    # colour (z) is the paired difference from the base where significant, else 0 (white): noise is not signal
    for i in range(2):
        for j in range(2):
            if (i, j) == (0, 0):
                continue
            run_id = next(p.run_id for p in view.points if (str(p.settings["stations.formation.machines"]),
                                                              str(p.settings["stations.filling.buffer"])) == (heatmap.y[i], heatmap.x[j]))
            difference = view.against_base[run_id].kpis["throughput_per_h"]
            assert heatmap.z[i][j] == (difference.difference if difference.significant else 0.0)
            assert ("vs base" in heatmap.text[i][j]) == difference.significant
    # two replications (t with 1 degree of freedom) cannot tell 8 racks from 5: the cells stay white
    assert heatmap.z[1] == [0.0, 0.0] and "≈ base" in heatmap.text[1][0]


def test_empty_inputs_say_why(stored):
    assert figures.sweep_figure([], ["x"], "throughput_per_h").layout.annotations[0].text.startswith("no finished")
