"""The Dask cluster settings of params.yaml: validation, and the worker environment."""

from __future__ import annotations

import os

import pytest

from pipeline import cluster


def _worker_environ(name: str) -> str | None:
    return os.environ.get(name)


def _worker_config(key: str) -> object:
    import dask

    return dask.config.get(key)


def test_unknown_dask_setting_fails_with_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"setting\(s\) \['n_worker'\]; valid: .*n_workers"):
        cluster.settings({"n_worker": 2})
    with pytest.raises(ValueError, match="'synchronous' or 'threads'"):
        cluster.settings({"scheduler": "processes"})


@pytest.mark.parametrize("trim", [False, True])
def test_malloc_trim_setting_reaches_the_workers(trim: bool) -> None:
    """Dask's nannies export MALLOC_TRIM_THRESHOLD_=65536 to their workers unless told not to;
    it freezes glibc's mmap threshold and costs spaCy ~15 % (benchmarks/README.md, nlp)."""
    section = {"n_workers": 1, "dashboard": False, "malloc_trim": trim}
    with cluster.cluster(section) as runner:
        seen = runner.run_on_workers(_worker_environ, "MALLOC_TRIM_THRESHOLD_")
        threads = runner.run_on_workers(_worker_environ, "OMP_NUM_THREADS")
    assert list(seen.values()) == (["65536"] if trim else [None])
    assert list(threads.values()) == ["1"]  # Dask's other worker settings are kept


def test_local_workers_run_with_quiet_timers() -> None:
    """The 20 ms event-loop tick and 500 ms system monitor are slowed in LocalCluster workers
    (they wake a thread that takes the GIL from spaCy); the dashboard still works."""
    assert _worker_config("distributed.admin.tick.interval") == "20ms"  # Dask's default here
    with cluster.cluster({"n_workers": 1, "dashboard": False}) as runner:
        for key, value in cluster.QUIET_TIMERS.items():
            assert list(runner.run_on_workers(_worker_config, key).values()) == [value]


def test_dashboard_listens_on_this_machine_only_by_default() -> None:
    assert cluster.dashboard_address(True) == "127.0.0.1:8787"
    assert cluster.dashboard_address("0.0.0.0:8790") == "0.0.0.0:8790"
    assert cluster.dashboard_address(False) is None
    with cluster.cluster({"n_workers": 1, "dashboard": "127.0.0.1:0"}) as runner:
        link = runner.info["dashboard"]
    assert link.startswith("http://127.0.0.1:") and link.endswith("/status")
