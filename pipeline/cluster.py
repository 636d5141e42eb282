"""The Dask cluster every parallel stage runs on: a LocalCluster, or an existing scheduler.

params.yaml `dask:`
  address: null            # "tcp://host:8786": an existing scheduler; null: a LocalCluster
  n_workers: null          # LocalCluster processes; null = one per core
  memory_limit: "auto"     # per worker
  scheduler: distributed   # "synchronous" runs in-process (debugging, tests)
  worker_timeout: 60       # seconds to wait for the first worker of an external scheduler
  dashboard: true          # true: 127.0.0.1:8787 (this machine only); "host:port"; false: off
  profile: false           # Dask's per-worker statistical profiler (costs CPU on spaCy stacks)
  malloc_trim: false       # Dask's MALLOC_TRIM_THRESHOLD_=65536 in workers (slows spaCy, see below)
Environment overrides: LONGUE_DASK_ADDRESS, LONGUE_DASK_SCHEDULER.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import dask
from tqdm.auto import tqdm

T = TypeVar("T")
R = TypeVar("R")

logger = logging.getLogger(__name__)


# Periodic callbacks of every Dask process that wake its event-loop thread, which must then take
# the GIL from the task thread: the blocked-loop check ticks every 20 ms and the system monitor
# (dashboard's System tab) samples every 500 ms. Measured in a LocalCluster worker annotating
# 271 k tokens: threads other than the task's used 0.71 CPU-s of 42 with the defaults, 0.30 with
# these. The blocked-loop warning still fires (after tick.limit, 3 s); the System tab gets a
# point every 2 s.
QUIET_TIMERS: dict[str, str] = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def dashboard_address(setting: bool | str) -> str | None:
    """The LocalCluster dashboard address for params.yaml `dask.dashboard`.

    true: this machine only (127.0.0.1:8787; Dask's own default ":8787" listens on every
    interface, so anyone on the network could watch and run tasks); an address string such as
    ":8787" or "0.0.0.0:8787" opens it wider on purpose; false: no dashboard.
    """
    if setting is True:
        return "127.0.0.1:8787"
    if isinstance(setting, str) and setting.strip():
        return setting.strip()
    return None


def settings(section: dict[str, Any]) -> dict[str, Any]:
    """The effective Dask settings: params.yaml values, overridden by the environment."""
    out = {
        "address": None,
        "n_workers": None,
        "memory_limit": "auto",
        "scheduler": "distributed",
        "dashboard": True,
        "worker_timeout": 60,  # seconds to wait for an external scheduler's first worker
        "profile": False,  # Dask's statistical profiler in each worker (dashboard Profile tab)
        "malloc_trim": False,  # Dask's default MALLOC_TRIM_THRESHOLD_ in the worker processes
    }
    unknown = sorted(set(section) - set(out))
    if unknown:
        raise ValueError(
            f"params.yaml dask: unknown setting(s) {unknown}; valid: {', '.join(sorted(out))}"
        )
    out.update({k: v for k, v in section.items() if v is not None})
    if os.environ.get("LONGUE_DASK_ADDRESS"):
        out["address"] = os.environ["LONGUE_DASK_ADDRESS"]
    if os.environ.get("LONGUE_DASK_SCHEDULER"):
        out["scheduler"] = os.environ["LONGUE_DASK_SCHEDULER"]
    if out["scheduler"] not in ("distributed", "synchronous", "threads"):
        raise ValueError(
            f"params.yaml dask.scheduler {out['scheduler']!r}: use 'distributed', "
            "'synchronous' or 'threads'"
        )
    return out


class Runner:
    """Maps a function over work items on the cluster (or in-process), with a progress bar."""

    def __init__(self, client: Any | None, info: dict[str, Any]) -> None:
        self.client = client
        self.info = info

    def map(
        self,
        func: Callable[[T], R],
        items: Sequence[T],
        desc: str,
        sizes: Sequence[float] | None = None,
    ) -> list[R]:
        """Results in the order of `items`, whatever order the workers finish in.

        With `sizes`, the largest items are started first (longest-processing-time order), so
        the last tasks to finish are small ones and no worker sits idle at the end of the run.
        """
        if not items:
            return []
        if self.client is None:
            return [func(item) for item in tqdm(items, desc=desc, unit="task", disable=_quiet())]
        from distributed import as_completed

        order: Sequence[int] = range(len(items))
        if sizes is not None:
            order = sorted(order, key=lambda i: (-sizes[i], i))
        # the scheduler queues tasks and hands the highest priority to the next free worker
        futures = {
            self.client.submit(func, items[i], pure=False, priority=len(items) - rank): i
            for rank, i in enumerate(order)
        }
        results: list[Any] = [None] * len(items)
        with tqdm(total=len(items), desc=desc, unit="task", disable=_quiet()) as bar:
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                fut.release()
                bar.update(1)
        return results

    def run_on_workers(self, func: Callable[..., R], *args: Any) -> dict[str, R]:
        """Call func(*args) once in every worker process (in-process without a cluster).

        Stages use it to load models before the timed work, and to check that the workers can
        import the project at all (an external cluster may run another environment).
        """
        if self.client is None:
            return {"in-process": func(*args)}
        try:
            return dict(self.client.run(func, *args))
        except (ImportError, AttributeError) as exc:
            raise WorkerEnvironmentError(
                f"the Dask workers at {self.info.get('address')} cannot run "
                f"{func.__module__}.{func.__qualname__}: {type(exc).__name__}: {exc}. Start them "
                "in this project's environment (pip install -e . in their venv, or run "
                "`dask worker` from the repository root)"
            ) from exc


class WorkerEnvironmentError(RuntimeError):
    """The workers of an external cluster cannot import or run the project's code."""


def _quiet() -> bool:
    return os.environ.get("LONGUE_PROGRESS", "1") == "0"


@contextlib.contextmanager
def cluster(section: dict[str, Any]) -> Iterator[Runner]:
    """Run the block on the configured cluster; the Runner's `info` describes it for the metrics."""
    cfg = settings(section)
    if cfg["scheduler"] != "distributed":
        with dask.config.set(scheduler=cfg["scheduler"]):
            yield Runner(None, {"scheduler": cfg["scheduler"], "workers": 1, "address": None})
        return

    from distributed import Client, LocalCluster

    # distributed installs its own INFO-level logging config on import; keep stage output readable
    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.core"):
        logging.getLogger(name).setLevel(logging.WARNING)

    if cfg["address"]:
        try:
            client = Client(cfg["address"], timeout="20s")
        except OSError as exc:
            raise ConnectionError(
                f"no Dask scheduler answers at {cfg['address']} ({exc}); start one "
                "(`dask scheduler`) or set dask.address: null in params.yaml for a LocalCluster"
            ) from exc
        local = None
        kind = "external"
        try:
            client.wait_for_workers(1, timeout=float(cfg.get("worker_timeout", 60)))
        except TimeoutError as exc:
            client.close()
            raise ConnectionError(
                f"the Dask scheduler at {cfg['address']} has no workers; start some with "
                f"`dask worker {cfg['address']}` from this project's environment"
            ) from exc
    else:
        n = int(cfg["n_workers"] or os.cpu_count() or 1)
        # One process per core, one thread each: spaCy and Tesseract are CPU-bound and not
        # thread-parallel, so threads would only contend for the GIL or the cores.
        # the nannies hand this configuration to the worker processes they start; the profiler
        # samples the task thread's stack every 10 ms, deep in spaCy/thinc for this project
        # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which also freezes
        # glibc's mmap threshold at 128 kB: every large array of spaCy's models is then mmapped
        # and page-faulted afresh (benchmarks/README.md, "nlp": the stage's tokens per
        # CPU-second went from 0.76 to 0.87-0.91 of a plain process). Off unless
        # dask.malloc_trim.
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        if not cfg["malloc_trim"]:
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        with dask.config.set(
            {
                "distributed.worker.profile.enabled": bool(cfg["profile"]),
                "distributed.nanny.pre-spawn-environ": environ,
                **QUIET_TIMERS,
            }
        ):
            local = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=cfg["memory_limit"],
                dashboard_address=dashboard_address(cfg["dashboard"]),
                silence_logs=logging.WARNING,
            )
        client = Client(local)
        kind = "local"
    try:
        n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
        link = client.dashboard_link if dashboard_address(cfg["dashboard"]) else None
        print(f"Dask {kind} cluster: {n_workers} worker(s); dashboard: {link or 'off'}", flush=True)
        yield Runner(
            client,
            {
                "scheduler": kind,
                "workers": n_workers,
                "address": client.scheduler.address,
                "dashboard": link,
            },
        )
    finally:
        client.close()
        if local is not None:
            local.close()
