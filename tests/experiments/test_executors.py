"""Results do not depend on where replications run: this process, two local processes, or a real
Dask cluster (a scheduler and two worker processes on loopback) give identical results, value for
value, for the same seed - also for sequential replications and the warm-up pilots."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, serial_line
from twin.cli.main import main
from twin.experiments.executors import (
    ClusterLost, DaskExecutor, ExecutorError, InlineExecutor, LocalExecutor, code_fingerprint, make_executor,
)
from twin.experiments.replications import plan_experiment, run_experiment, run_replications, run_to_precision


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
    ) as cluster:
        yield cluster


def _json(results) -> list[str]:
    return [r.model_dump_json() for r in results]


@pytest.mark.slow
def test_one_worker_two_workers_and_dask_give_identical_results(dask_cluster):
    scenario = build(serial_line(replications=12, warmup="auto"))  # pilots run on the executor too
    inline = run_experiment(scenario)
    with LocalExecutor(2) as local:
        two = run_experiment(scenario, executor=local)
    with DaskExecutor(dask_cluster.scheduler_address) as dask:
        distributed = run_experiment(scenario, executor=dask)
        assert len(dask._client.scheduler_info()["workers"]) == 2
    assert inline.warmup_h > 0
    assert inline.model_dump_json() == two.model_dump_json() == distributed.model_dump_json()


def test_replications_come_back_in_index_order_whatever_finishes_first(dask_cluster):
    scenario = build(serial_line(replications=8))
    with DaskExecutor(dask_cluster.scheduler_address) as dask:
        results = run_replications(scenario, executor=dask)
    assert [r.replication for r in results] == list(range(8))
    assert _json(results) == _json(run_replications(scenario))


def test_sequential_replications_stop_at_the_same_count_on_any_executor(dask_cluster):
    plan = plan_experiment(build(serial_line()))
    outcomes = []
    for executor in (InlineExecutor(), LocalExecutor(2), DaskExecutor(dask_cluster.scheduler_address)):
        with executor:
            results, outcome = run_to_precision(plan, 0.02, 5, 200, executor)
        outcomes.append((outcome, _json(results)))
    assert outcomes[0][0].reached and outcomes[0][0].replications > 5
    assert outcomes[0] == outcomes[1] == outcomes[2]


def test_cli_scheduler_option_and_environment_variable(dask_cluster, tmp_path, monkeypatch):
    from tests.experiments.lines import write

    path = write(serial_line(replications=6), tmp_path / "tiny.yaml")
    runner = CliRunner()
    local = runner.invoke(main, ["run", str(path), "--json", "--no-store"])
    by_option = runner.invoke(main, ["run", str(path), "--json", "--no-store", "--scheduler", dask_cluster.scheduler_address])
    monkeypatch.setenv("TWIN_SCHEDULER", dask_cluster.scheduler_address)
    by_env = runner.invoke(main, ["run", str(path), "--json", "--db", str(tmp_path / "r.sqlite")])
    assert local.exit_code == by_option.exit_code == by_env.exit_code == 0, by_env.output
    assert json.loads(local.stdout) == json.loads(by_option.stdout) == json.loads(by_env.stdout)


def test_make_executor_picks_by_options():
    assert isinstance(make_executor(1), InlineExecutor)
    assert isinstance(make_executor(3), LocalExecutor)


def test_a_scheduler_without_workers_is_a_clear_error(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr("twin.experiments.executors.WORKERS_TIMEOUT_S", 0.5)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as empty:
        with pytest.raises(ExecutorError, match="no Dask worker joined"):
            DaskExecutor(empty.scheduler_address)


def test_a_scheduler_dying_while_a_result_is_gathered_is_a_lost_cluster():
    """The connection closing under `future.result` (the scheduler killed mid-gather) must stop the
    run as a lost cluster, whose one-line message the CLI prints, not escape as a traceback."""
    comm = pytest.importorskip("distributed.comm.core")

    class GatheredAsTheSchedulerDies:
        def result(self, timeout):
            raise comm.CommClosedError("in <TCP (closed) ConnectionPool.gather>: Stream is closed")

    executor = DaskExecutor.__new__(DaskExecutor)  # no cluster: only the fetch's handling is under test
    executor.address = "tcp://127.0.0.1:1"
    with pytest.raises(ClusterLost, match="Dask cluster at tcp://127.0.0.1:1 is gone"):
        executor._fetch(GatheredAsTheSchedulerDies())


def test_workers_report_the_same_code_fingerprint(dask_cluster):
    from distributed import Client

    with Client(dask_cluster.scheduler_address, set_as_default=False) as client:
        assert set(client.run(code_fingerprint).values()) == {code_fingerprint()}
