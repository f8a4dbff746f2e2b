"""Background jobs for real: `twin run` as a subprocess stores its run and says which; a bad
scenario fails with the CLI's own message; stopping the server stops its runs, which keep what
they finished."""

from __future__ import annotations

import time

import yaml

import pytest

from dashboard.jobs import JobLimits, JobManager, JobRefused, JobStatus
from tests.dashboard.conftest import tiny_line_data
from twin.store.database import Store


def wait(jobs: JobManager, job_id: str, timeout_s: float = 60.0) -> JobStatus:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = jobs.status(job_id)
        assert status is not None
        if status.finished:
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {timeout_s} s")


def test_a_run_job_stores_its_run_and_names_it(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    data = tiny_line_data()
    data["run"]["replications"] = 2
    job_id = jobs.start_run(yaml.safe_dump(data), "tiny", owner="page")
    status = wait(jobs, job_id)
    assert jobs.jobs_of("page") == [status] and jobs.jobs_of("other") == [] and jobs.jobs_of("") == []
    assert status.state == "done" and status.run_ids == [1] and status.title == "tiny", status.message
    with Store(tmp_path / "results.sqlite", create=False) as store:
        record = store.run(1)
        assert record.status == "complete" and record.done == 2
    assert jobs.status(job_id) == status  # final, and its temporary files are gone
    assert jobs.status("unknown") is None


def test_a_failing_job_says_why(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    status = wait(jobs, jobs.start_run("name: broken\nrun: {length: 1 h}\n", "broken"))
    assert status.state == "failed" and status.run_ids == []
    assert "sources" in status.message and "required" in status.message


def test_stopping_all_jobs_interrupts_their_runs(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    data = tiny_line_data()
    data["run"].update(length="400 d", replications=2)  # long enough to still be running
    job_id = jobs.start_run(yaml.safe_dump(data), "long")
    deadline = time.monotonic() + 30
    while not jobs.status(job_id).run_ids and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs.stop_all()
    status = jobs.status(job_id)
    assert status.state == "failed"  # ended by a signal
    with Store(tmp_path / "results.sqlite", create=False) as store:
        assert store.run(status.run_ids[0]).status == "interrupted"



def _long_run_yaml(seed: int = 1) -> str:
    data = tiny_line_data()
    data["run"].update(length="400 d", replications=2, seed=seed)  # long enough to still be running
    return yaml.safe_dump(data)


def test_jobs_beyond_the_running_limit_wait_in_a_queue_and_can_be_cancelled(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite", JobLimits(max_running=1))
    first = jobs.start_run(_long_run_yaml(1), "first", owner="page")
    second = jobs.start_run(_long_run_yaml(2), "second", owner="page")
    assert jobs.status(first).state == "running" and jobs.status(second).state == "queued"
    assert jobs.cancel(second).state == "cancelled"
    deadline = time.monotonic() + 30
    while not jobs.status(first).run_ids and time.monotonic() < deadline:
        time.sleep(0.05)
    stopped = jobs.cancel(first)
    assert stopped.state == "cancelled" and stopped.finished and stopped.run_ids
    with Store(tmp_path / "results.sqlite", create=False) as store:
        assert store.run(stopped.run_ids[0]).status == "interrupted"
        assert len(store.runs()) == 1  # the cancelled queued job never ran


def test_asking_twice_for_the_same_run_gives_the_same_job(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    first = jobs.start_run(_long_run_yaml(), "one")
    assert jobs.start_run(_long_run_yaml(), "one again") == first
    jobs.stop_all()


@pytest.mark.parametrize("change, refused", [
    ({"replications": 100}, "replications"),
    ({"length": "1000 d"}, "run length"),
])
def test_a_job_beyond_the_limits_is_refused_before_it_starts(tmp_path, change, refused):
    jobs = JobManager(tmp_path / "results.sqlite", JobLimits(max_replications=50, max_length_h=10_000))
    data = tiny_line_data()
    data["run"].update(change)
    with pytest.raises(JobRefused, match=refused):
        jobs.start_run(yaml.safe_dump(data), "too much")
    assert jobs.jobs_of("") == []


def test_a_page_can_stop_only_the_jobs_it_started(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite", JobLimits(max_running=1))
    jobs.start_run(_long_run_yaml(1), "first", owner="page-a")
    queued = jobs.start_run(_long_run_yaml(2), "second", owner="page-a")
    assert jobs.cancel(queued, owner="page-b") is None and jobs.status(queued).state == "queued"
    assert jobs.cancel(queued, owner="page-a").state == "cancelled"
    jobs.stop_all()


@pytest.mark.slow  # several seconds: the full suite runs it, the fast loop does not
def test_a_sweep_job_stores_one_run_per_point_with_its_settings_and_is_reaped_unasked(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    data = tiny_line_data()
    job_id = jobs.start_sweep(yaml.safe_dump(data), [("stations.formation.machines", [5, 6])], "sweep of formation", owner="me",
                              replications=2, seed=5)
    process = jobs._jobs[job_id].process
    deadline = time.monotonic() + 60
    while process.exitcode is None and time.monotonic() < deadline:  # nobody asks for the status meanwhile
        time.sleep(0.1)
    time.sleep(1.5)
    assert jobs._jobs[job_id].state == "done"  # the reaper collected it without a page asking ...
    assert jobs._jobs[job_id].pipe.closed  # ... and joined the worker (no zombie)
    status = jobs.status(job_id)
    assert status.kind == "sweep" and status.run_ids == [1, 2] and status.started_at <= status.ended_at
    with Store(tmp_path / "results.sqlite", create=False) as store:
        records = [store.run(1), store.run(2)]
    assert [r.details["sweep_settings"] for r in records] == [{"stations.formation.machines": 5}, {"stations.formation.machines": 6}]
    assert {r.kind for r in records} == {"sweep"} and records[0].group == records[1].group
    assert all(r.seed == 5 and r.done == 2 for r in records)


def test_run_settings_are_not_scenario_edits(tmp_path):
    """Replications and seed given as run settings keep the scenario's hash (so the run lists with its file)."""
    jobs = JobManager(tmp_path / "results.sqlite")
    data = tiny_line_data()
    status = wait(jobs, jobs.start_run(yaml.safe_dump(data), "tiny", replications=2, seed=9))
    assert status.state == "done", status.message
    from twin.spec.scenario import Scenario
    with Store(tmp_path / "results.sqlite", create=False) as store:
        record = store.run(status.run_ids[0])
        assert record.scenario_hash == Scenario.model_validate(data).content_hash()
        assert record.seed == 9 and record.planned == 2 and record.done == 2
        store.delete_run(record.id)
        assert store.runs() == []


def test_a_grid_job_runs_the_base_and_its_whatifs_with_the_bases_seed(tmp_path):
    jobs = JobManager(tmp_path / "results.sqlite")
    base = tiny_line_data()
    whatif = tiny_line_data()
    whatif["name"], whatif["run"]["seed"] = "eight racks", 99
    whatif["stations"][2]["machines"] = 8
    status = wait(jobs, jobs.start_grid(yaml.safe_dump(base), [yaml.safe_dump(whatif)], "grid", replications=2))
    assert status.state == "done" and status.kind == "grid" and status.run_ids == [1, 2], status.message
    with Store(tmp_path / "results.sqlite", create=False) as store:
        records = [store.run(1), store.run(2)]
    assert [r.label for r in records] == ["base", "what-if"] and records[0].group == records[1].group
    assert [r.seed for r in records] == [7, 7] and [r.done for r in records] == [2, 2]  # paired with the base
