"""Paired comparison under common random numbers: one more machine at the bottleneck is a
significant gain, a change that does nothing is not, and sharing random numbers makes the
confidence interval of the difference much narrower than independent seeds do."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, serial_line, write
from twin.cli.main import main
from twin.experiments.compare import ComparedRun, ComparisonResult, compare_replications, paired
from twin.experiments.replications import run_replications

REPLICATIONS = 20


def _compare(base: dict, whatif: dict, whatif_seed: int | None = None) -> ComparisonResult:
    base_s, whatif_s = build(base), build(whatif)
    seed = base_s.run.seed
    runs = [
        ComparedRun(scenario=s.name, scenario_hash=s.content_hash(), seed=k, warmup_h=5.0)
        for s, k in ((base_s, seed), (whatif_s, seed if whatif_seed is None else whatif_seed))
    ]
    return compare_replications(
        run_replications(base_s, REPLICATIONS), run_replications(whatif_s, REPLICATIONS, runs[1].seed), *runs
    )


def _half_width(kpi) -> float:
    lo, hi = kpi.ci95
    return (hi - lo) / 2


def test_one_more_machine_at_the_bottleneck_is_significant():
    result = _compare(serial_line(), serial_line("more-b", b_machines=5))
    throughput = result.kpis["throughput_per_h"]
    assert result.common_random_numbers
    assert throughput.significant and throughput.ci95[0] > 0
    assert throughput.whatif - throughput.base == pytest.approx(throughput.difference)


def test_a_change_that_does_nothing_is_not_significant():
    identical = _compare(serial_line(), serial_line("copy"))
    assert all(not k.significant and k.difference == 0 for k in identical.kpis.values())
    # renaming station a gives it other random numbers (streams are keyed by name) but the same
    # behaviour: a real no-op with noise in the difference
    renamed = _compare(serial_line(), serial_line("renamed", a_name="a2"))
    throughput = renamed.kpis["throughput_per_h"]
    assert _half_width(throughput) > 0
    assert not throughput.significant


def test_common_random_numbers_narrow_the_interval(capsys):
    whatif = serial_line("more-b", b_machines=5)
    crn = _compare(serial_line(), whatif)
    independent = _compare(serial_line(), whatif, whatif_seed=12)
    assert not independent.common_random_numbers
    ratio = _half_width(crn.kpis["throughput_per_h"]) / _half_width(independent.kpis["throughput_per_h"])
    with capsys.disabled():
        print(f"\nCI half-width of the throughput difference, CRN / independent seeds: {ratio:.3f}")
    assert ratio < 0.8
    assert crn.kpis["throughput_per_h"].significant and independent.kpis["throughput_per_h"].significant


def test_paired_skips_undefined_pairs_and_needs_two_for_an_interval():
    result = paired([1.0, None, 3.0, float("nan")], [2.0, 5.0, 5.0, 1.0])
    assert result.differences == [1.0, None, 2.0, None]
    assert result.difference == 1.5 and result.ci95[0] is not None
    single = paired([1.0], [2.0])
    assert single.ci95 == (None, None) and not single.significant


def test_cli_compare_json_has_means_difference_ci_and_significance(tmp_path):
    base = write(serial_line(replications=10), tmp_path / "base.yaml")
    whatif = write(serial_line("more-b", b_machines=5, replications=10), tmp_path / "whatif.yaml")
    db = tmp_path / "runs.sqlite"
    out = CliRunner().invoke(main, ["compare", str(base), str(whatif), "--json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    throughput = data["kpis"]["throughput_per_h"]
    assert set(throughput) >= {"base", "whatif", "difference", "ci95", "significant"}
    assert throughput["significant"] is True
    assert data["replications"] == 10 and data["common_random_numbers"] is True
    stored = json.loads(CliRunner().invoke(main, ["runs", "--json", "--db", str(db)]).stdout)
    assert [(r["kind"], r["label"], r["status"]) for r in stored] == [("compare", "base", "complete"),
                                                                       ("compare", "what-if", "complete")]
    assert data["base"]["run_id"] == stored[0]["id"] and data["whatif"]["run_id"] == stored[1]["id"]


def test_cli_compare_text_and_independent(tmp_path):
    base = write(serial_line(replications=5), tmp_path / "base.yaml")
    out = CliRunner().invoke(main, ["compare", str(base), str(base), "--independent", "--no-store"])
    assert out.exit_code == 0, out.output
    assert "independent seeds (seed 11 / 12)" in out.stdout and "significant" in out.stdout
