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

import ctypes
import functools
import hashlib
import logging
import multiprocessing
import multiprocessing.pool
import os
import select
import signal
import socket
import sys
import threading
import time

from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 30.0
POLL_S = 1.0
"""How often a Dask run checks its cluster while no replication finishes."""
CLUSTER_GRACE_S = 10.0
"""How long a Dask run waits for a lost scheduler to come back, or for a worker to join after the
last one left, before it stops (keeping its finished replications)."""
TASK_RETRIES = 1
"""Dask retries of a replication whose task failed; a replication on a lost worker is rerun by the
scheduler itself (up to distributed.scheduler.allowed-failures times)."""


class ExecutorError(Exception):
    """An executor cannot start (scheduler unreachable, no workers, mismatched versions)."""


class ClusterLost(KeyboardInterrupt):
    """The Dask cluster went away mid-run (scheduler gone, or no worker left). It stops the run the
    way Ctrl-C does, which is what it is to the run: the session marks the run 'interrupted' and
    keeps its finished replications; the CLI prints this message as one error line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _call(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, position, item = job
    return position, fn(item)


def _ignore_sigint(owner_pid: Optional[int] = None) -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them cleanly; and they die with
    the twin process that owns the pool (`owner_pid`), so a killed `twin run` leaves no worker
    computing a replication nobody will read: at once where the kernel can say when a process ends
    (pidfd), and in any case when their parent, the fork server, exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if owner_pid is not None:
        _exit_with(owner_pid)


def _exit_with(pid: int) -> None:
    """A daemon thread that ends this process as soon as process `pid` ends (Linux 5.3+)."""
    try:
        handle = os.pidfd_open(pid)  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # no pidfd (older kernel, other OS) or `pid` already gone
        return

    def wait() -> None:
        select.select([handle], [], [])  # readable when the process exits
        os._exit(1)

    threading.Thread(target=wait, name="exit-with-owner", daemon=True).start()


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent exits (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: workers still stop on terminate()
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


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
        if self._pool is None:  # never more processes than tasks
            self._pool = _context(fn.__module__).Pool(min(self.workers, len(items)), initializer=_ignore_sigint,
                                                      initargs=(os.getpid(),))
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
        _check_reachable(address)  # before Client(): a failed Client prints a traceback from __del__ later
        self._quiet = _QuietDistributed()  # the executor reports cluster trouble itself, in one line
        try:
            self._client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            self._quiet.restore()
            raise ExecutorError(f"cannot connect to the Dask scheduler at {address}: {_one_line(exc)}") from None
        try:
            self._check_workers()
        except BaseException:
            self.close()
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
        """Results as they finish. Every POLL_S without one, the cluster is checked: a scheduler
        gone, or no worker, for CLUSTER_GRACE_S raises ClusterLost (finished results were already
        yielded, so the caller has stored them). A replication whose worker died is rerun by the
        scheduler; one that killed several workers raises ExecutorError."""
        from distributed import CancelledError, KilledWorker, wait
        from distributed.client import FuturesCancelledError
        from distributed.comm.core import CommClosedError

        if not items:
            return
        futures = [self._client.submit(_call, (fn, position, item), pure=False, retries=TASK_RETRIES)
                   for position, item in enumerate(items)]
        pending = set(futures)
        trouble_since: Optional[float] = None
        try:
            while pending:
                try:
                    with self._client.as_current():  # wait() uses the current client (this one is not the default)
                        done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    trouble_since = self._trouble_since(trouble_since)
                    continue
                except (CancelledError, FuturesCancelledError) as exc:  # the scheduler dropped the tasks
                    reason = "lost the connection to it" if "connection" in str(exc) else "it cancelled the tasks"
                    raise ClusterLost(f"the Dask cluster at {self.address} is gone ({reason})") from None
                except CommClosedError:  # the scheduler died while the client was talking to it
                    raise ClusterLost(self._connection_lost()) from None
                trouble_since = None
                failed = [f for f in done if f.status != "finished"]
                for future in done:
                    if future.status == "finished":
                        yield self._fetch(future)
                for future in failed:
                    if future.status != "error":  # 'lost' with its worker (the scheduler runs it again) or cancelled
                        yield self._fetch(future)
                        continue
                    error = future.exception()

                    if isinstance(error, KilledWorker):
                        raise ExecutorError(f"a replication was lost with every Dask worker that ran it "
                                            f"({_one_line(error)}); is a worker running out of memory?")
                    future.result()  # the task's own exception (e.g. SimulationError), as it was raised
        finally:
            try:
                self._client.cancel([f for f in futures if not f.done()])
            except Exception:  # the scheduler is gone: nothing to cancel
                pass

    def _fetch(self, future: Any) -> Any:
        """A finished (or lost) replication's value. It lives on the worker that computed it until
        fetched; if that worker dies first, the scheduler runs the task again, which never happens with
        no worker left: so the fetch waits POLL_S at a time, checking the cluster as `imap` does, and
        gives up after CLUSTER_GRACE_S of trouble instead of waiting for ever."""
        from distributed import CancelledError
        from distributed.client import FuturesCancelledError
        from distributed.comm.core import CommClosedError

        trouble_since: Optional[float] = None
        while True:
            try:
                return future.result(timeout=POLL_S)
            except (CancelledError, FuturesCancelledError):
                raise ClusterLost(self._trouble()
                                  or f"the Dask scheduler at {self.address} lost a replication's task") from None
            except CommClosedError:  # the scheduler died while the result was being gathered
                raise ClusterLost(self._connection_lost()) from None
            except TimeoutError:  # with a worker left, a lost result is being computed again
                trouble_since = self._trouble_since(trouble_since)

    def _connection_lost(self) -> str:
        return f"the Dask cluster at {self.address} is gone (lost the connection to it)"

    def _trouble_since(self, since: Optional[float]) -> Optional[float]:
        """After a wait of POLL_S with nothing back: when the cluster's trouble began (None: no trouble
        now), raising ClusterLost once it has lasted CLUSTER_GRACE_S."""
        trouble = self._trouble()
        if trouble is None:
            return None
        if since is None:
            return time.monotonic()
        if time.monotonic() - since > CLUSTER_GRACE_S:
            raise ClusterLost(f"{trouble} for {CLUSTER_GRACE_S:.0f} s") from None
        return since

    def _trouble(self) -> Optional[str]:
        """What is wrong with the cluster now, or None."""
        if self._client.status not in ("running", "connecting"):
            return f"lost the Dask scheduler at {self.address}"
        if self._client.status == "connecting":
            return f"lost the connection to the Dask scheduler at {self.address}"
        try:
            workers = len(self._client.nthreads())
        except Exception as exc:
            return f"the Dask scheduler at {self.address} does not answer ({_one_line(exc)})"
        return None if workers else f"no Dask worker is left at {self.address}"

    def close(self) -> None:
        try:
            self._client.close(timeout=CONNECT_TIMEOUT_S)
        except Exception:  # a lost scheduler cannot be told goodbye
            pass


class _QuietDistributed:
    """Silence the logs of distributed, tornado and asyncio in this process (a lost scheduler makes
    the client's background thread log tracebacks, some after the client is closed: the executor
    reports cluster trouble itself, in one line). `restore` is for a client that never opened;
    after a client has been open the logs stay quiet, since its thread may still log at exit."""

    PREFIXES = ("distributed", "tornado", "asyncio")

    def __init__(self) -> None:
        names = [*self.PREFIXES, *(name for name in logging.root.manager.loggerDict
                                   if name.startswith(tuple(f"{p}." for p in self.PREFIXES)))]
        self._levels = {name: logging.getLogger(name).level for name in names}
        for name in names:  # children too: distributed gives some of them their own level
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def restore(self) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _check_reachable(address: str) -> None:
    """A clear error for an address Dask cannot use or a scheduler not listening (one line, no
    late traceback from a half-made Client)."""
    scheme, _, rest = address.partition("://")
    if not rest:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        raise ExecutorError(f"scheduler address {address!r}: only tcp://host:port is supported (a {scheme}:// "
                            "scheduler needs security settings this command does not take)")
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExecutorError(f"scheduler address {address!r} is not tcp://host:port (e.g. tcp://10.0.0.5:8786)")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or _one_line(exc)}") from None


def workers_warning(workers: int) -> Optional[str]:
    """A warning when `workers` local processes exceed this machine's CPUs (they only compete)."""
    cpus = os.cpu_count() or 1
    if workers > cpus:
        return (f"warning: --workers {workers} is more than this machine's {cpus} CPUs; the extra processes "
                "only compete for them")
    return None


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
        for path in sorted([*root.rglob("*.py"), *root.rglob("*.pxd")]):  # .pxd: the compiled build's declarations
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def make_executor(workers: int = 1, scheduler: Optional[str] = None) -> Executor:
    """Dask when a scheduler address is given, else local processes (inline for one worker). A
    local pool never starts more processes than it has tasks; see `workers_warning` for more
    workers than CPUs."""
    if scheduler:
        return DaskExecutor(scheduler)
    return InlineExecutor() if workers <= 1 else LocalExecutor(workers)
