"""Runners: the same task function (:func:`analysis.features.tasks.run_trial_tasks`) in-process
(``scheduler="serial"``), on local worker processes (default) or on a dask.distributed cluster.

Local default: ``concurrent.futures.ProcessPoolExecutor`` (forkserver), not a dask ``LocalCluster``: it starts
in well under a second instead of a few, has no scheduler/nanny processes whose memory would count against
the bound, and needs no dashboard/ports. Multi-machine runs are what dask.distributed is for, so
``--scheduler`` uses ``distributed.Client(address)`` with the very same task objects.
Every runner has ``n_workers``, ``description``, ``submit(tasks) -> future``, ``wait_any(futures) -> done``,
``worker_pids()`` and ``close()``.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from typing import Any

from analysis.errors import AnkleLabError
from analysis.features.tasks import TrialOutcome, TrialTask, run_trial_tasks
from analysis.runtime import tune_allocator

#: Tasks kept in flight per worker thread: enough to hide the driver's hashing/scheduling latency,
#: few enough that memory stays bounded [assumption].
IN_FLIGHT_PER_WORKER = 2


class _SerialRunner:
    description = "serial (in-process)"

    def __init__(self) -> None:
        self.n_workers = 1

    def submit(self, tasks: list[TrialTask]) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result(run_trial_tasks(tasks))
        return future

    def wait_any(self, futures: set) -> set:
        return {f for f in futures if f.done()} or set(futures)

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        pass


#: Imported once in the fork server, so every local worker starts with numpy/scipy/pandas and the
#: processing modules already loaded (a missing module is skipped by multiprocessing).
_WORKER_PRELOAD = (
    "analysis.runtime",
    "analysis.features",
    "analysis.io",
    "analysis.emg",
    "analysis.forceplate",
    "analysis.kinematics",
)


class _ProcessRunner:
    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        self.description = f"local processes x {n_workers}"
        # forkserver: workers fork from a clean server process (not from a driver that may run threads,
        # e.g. a dask Client or tqdm's monitor), with this package preloaded so starting is cheap.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(_WORKER_PRELOAD))
        self.pool = cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=context, initializer=tune_allocator)
        try:  # workers that cannot start would otherwise fail every trial, one broken pool after another
            self.pool.submit(os.getpid).result()
        except cf.process.BrokenProcessPool as exc:
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise AnkleLabError(
                "the local worker processes could not start (their error is printed above). If you call "
                'extract_features from a script, put the call under `if __name__ == "__main__":` (each '
                'worker imports your script, as Python\'s multiprocessing requires), or pass scheduler="serial" to '
                "run every trial in this process"
            ) from exc

    def submit(self, tasks: list[TrialTask]) -> cf.Future:
        return self.pool.submit(run_trial_tasks, tasks)

    def wait_any(self, futures: set) -> set:
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    def worker_pids(self) -> list[int]:
        return [p.pid for p in getattr(self.pool, "_processes", {}).values() if p.pid]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskRunner:
    def __init__(self, scheduler: Any) -> None:
        import distributed

        self._distributed = distributed
        if isinstance(scheduler, distributed.Client):
            self.client, self._owns_client = scheduler, False
        else:
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise AnkleLabError(
                    f"cannot connect to the dask scheduler at {scheduler!r}: {exc} -- start it with "
                    "`dask scheduler` and `dask worker ADDRESS --nworkers N --nthreads 1`, or omit --scheduler to "
                    "run locally"
                ) from exc
            self._owns_client = True
        per_worker = self.client.nthreads()
        threads = sum(per_worker.values())
        if any(n > 1 for n in per_worker.values()):
            # trials of one worker process run one at a time (see _process_one): threads add no speed
            print(
                f"note: dask workers with several threads ({sorted(set(per_worker.values()))}) process one trial "
                "at a time per process; start them with `dask worker ADDRESS --nworkers N --nthreads 1` to use "
                "every core",
                file=sys.stderr,
            )
        self.n_workers = max(1, threads)
        self.description = f"dask {self.client.scheduler.address} ({threads} worker threads)"

    def submit(self, tasks: list[TrialTask]):
        return self.client.submit(_run_trial_tasks_on_worker, tasks, pure=False)

    def wait_any(self, futures: set) -> set:
        result = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(result.done)

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def _run_trial_tasks_on_worker(tasks: list[TrialTask]) -> list[TrialOutcome]:
    """:func:`run_trial_tasks` on a dask worker, with the worker process's allocator tuned first (once)."""
    tune_allocator()
    return run_trial_tasks(tasks)


def _make_runner(workers: int | None, scheduler: Any):
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler in ("processes", "serial")):
        return _DaskRunner(scheduler)
    if scheduler == "serial":
        return _SerialRunner()
    n_workers = workers if workers is not None else len(os.sched_getaffinity(0))
    if n_workers < 1:
        raise AnkleLabError(f"workers must be at least 1, got {n_workers}")
    return _ProcessRunner(n_workers)
