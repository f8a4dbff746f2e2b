"""Executors: run a list of independent tasks and hand back each result as soon as it is done.

One replication is one task (twin.experiments.replications builds them). An executor only moves tasks and
results, never changes them, so the numbers are the same whichever one runs them:

- InlineExecutor   this process, in order: no start-up cost (one worker, tests, debugging);
- LocalExecutor    a pool of local worker processes (fork-server, so safe beside threads);
- DaskExecutor     a Dask distributed scheduler (`tcp://host:8786`) and its workers, any machines.

`imap(fn, items)` yields `(position, fn(item))` in completion order; callers store each result at
once and put them back in order by position. `fn` must be a picklable module-level function.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import multiprocessing.pool
import signal
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 30.0


class ExecutorError(Exception):
    """An executor cannot start (scheduler unreachable, no workers, mismatched versions)."""


def _call(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, position, item = job
    return position, fn(item)


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Executor:
    """Runs tasks; use as a context manager so workers and connections are released."""

    name = "executor"

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers; tasks still running are abandoned."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class InlineExecutor(Executor):
    name = "inline"

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        for position, item in enumerate(items):
            yield position, fn(item)


class LocalExecutor(Executor):
    """`workers` local processes, started on first use and kept for later task lists."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.name = f"{workers} local processes"
        self._pool: Optional[multiprocessing.pool.Pool] = None

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        if not items:
            return
        if self._pool is None:
            self._pool = _context(fn.__module__).Pool(self.workers, initializer=_ignore_sigint)
        jobs = [(fn, position, item) for position, item in enumerate(items)]
        yield from self._pool.imap_unordered(_call, jobs, chunksize=1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _context(preload: str) -> multiprocessing.context.BaseContext:
    """Fork-server processes where the platform has them: the server is a fresh interpreter (safe
    beside threads, unlike fork) that imports the task's module once, and every worker is a quick
    fork of it rather than a new interpreter importing numpy, scipy and pydantic again (spawn)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster; the workers need this package at the same version."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise ExecutorError(f"Dask is not installed ({exc}): pip install 'dask[distributed]'") from None
        self.address = address
        self.name = f"Dask scheduler {address}"
        try:
            self._client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            self._check_workers()
        except BaseException:
            self._client.close()
            raise

    def _check_workers(self) -> None:
        from twin import __version__

        try:
            self._client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            raise ExecutorError(
                f"no Dask worker joined {self.address} within {WORKERS_TIMEOUT_S:.0f} s: "
                f"start one with `dask worker {self.address}`"
            ) from None
        mine = code_fingerprint()
        try:
            theirs = self._client.run(code_fingerprint)
        except Exception as exc:  # a worker that cannot even run the check has older code
            raise ExecutorError(
                f"Dask workers at {self.address} cannot check their twin code ({exc}); they probably run an "
                "older version: install the same version on every worker and restart them"
            ) from None
        wrong = sorted(worker for worker, fingerprint in theirs.items() if fingerprint != mine)
        if wrong:
            raise ExecutorError(
                f"Dask workers {', '.join(wrong)} run other twin code than this machine (version {__version__}, "
                f"code {mine}): install the same version on every worker, and restart workers after "
                "changing the code"
            )

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        if not items:
            return
        futures = [self._client.submit(_call, (fn, position, item), pure=False) for position, item in enumerate(items)]
        try:
            for future in as_completed(futures, loop=self._client.loop):
                yield future.result()
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        self._client.close()


@functools.cache
def code_fingerprint() -> str:
    """A hash of the simulation's source (packages twin and stations) and of the numpy and simpy
    versions: equal in two processes that compute the same results. Computed once per process, when
    a client first checks its workers (before they run any task), so a worker started before the code
    was edited keeps the fingerprint of the code it runs: the version number alone would not tell."""
    import numpy
    import simpy

    import stations
    import twin

    digest = hashlib.sha256(f"numpy {numpy.__version__} simpy {simpy.__version__}".encode())
    for package in (twin, stations):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def make_executor(workers: int = 1, scheduler: Optional[str] = None) -> Executor:
    """Dask when a scheduler address is given, else local processes (inline for one worker)."""
    if scheduler:
        return DaskExecutor(scheduler)
    return InlineExecutor() if workers <= 1 else LocalExecutor(workers)
