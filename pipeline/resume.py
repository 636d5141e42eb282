"""Resumable stage output: a killed long stage, re-run, keeps the parts it had finished.

`atomic_dir` (pipeline/io.py) makes a stage all-or-nothing: a run killed after an hour of
annotation leaves a `.tmp` folder that the next run deletes, and the work is done again.
`resumable_dir` keeps the same guarantee for the output itself (the output directory is
replaced in one rename, never half-written) but works in a fixed sibling folder,
`.<name>.resume`, that outlives a crash:

- the folder holds `resume.json`: a fingerprint of everything the parts depend on (input
  files by content, the stage's configuration, the installed package versions, the source of
  the code that writes the parts) and the stage's task plan;
- each task, when its part files are written, writes `done/<task>.json` (its result) last,
  atomically; a task is finished exactly when that file exists;
- a re-run with the same fingerprint takes the stored plan (even if the cluster now has
  another number of workers, so the parts are cut the same way), skips the finished tasks and
  runs the others; any difference in the fingerprint discards the folder and starts afresh,
  so a part is never reused across a change of input, configuration or code;
- on success the bookkeeping (`resume.json`, `done/`) is removed and the folder is renamed
  over the output, as `atomic_dir` does.

The parts are written by the same deterministic code whether a run was resumed or not, so
the output of a killed-and-resumed run is byte-identical to that of an uninterrupted one
(tests/test_crash_safety.py kills the nlp stage with SIGKILL and checks it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.io import write_json

logger = logging.getLogger(__name__)

RESUME_FILE = "resume.json"
DONE = "done"
SUFFIX = ".resume"


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (or of the sorted files of a directory, names included)."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(p.relative_to(path).as_posix().encode("utf-8") + b"\0")
            h.update(file_digest(p).encode("ascii"))
        return h.hexdigest()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_digest(paths: Iterable[Path]) -> str:
    """One digest of the given source files (and of every .py file in given directories)."""
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.py")) if p.is_dir() else [p])
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode("utf-8") + b"\0" + file_digest(f).encode("ascii"))
    return h.hexdigest()


class Resume:
    """The work folder of a resumable run: its stored plan and its finished tasks."""

    def __init__(self, folder: Path, state: dict[str, Any], resumed: bool) -> None:
        self.folder = folder
        self.state = state
        self.resumed = resumed

    @property
    def plan(self) -> list[Any] | None:
        """The task plan stored by the interrupted run (None on a fresh start)."""
        return self.state.get("plan")

    def set_plan(self, plan: list[Any]) -> None:
        self.state["plan"] = plan
        write_json(self.state, self.folder / RESUME_FILE)

    def finished(self, name: str) -> dict[str, Any] | None:
        """The stored result of task `name`, or None when it has not finished."""
        path = self.folder / DONE / f"{name}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None


def mark_done(folder: str | Path, name: str, result: dict[str, Any]) -> None:
    """Record task `name` as finished (call after its part files are written)."""
    write_json(result, Path(folder) / DONE / f"{name}.json")


@contextlib.contextmanager
def resumable_dir(path: Path, fingerprint: dict[str, Any]) -> Iterator[Resume]:
    """Yield the resumable work folder of output directory `path` (see the module docstring).

    `fingerprint` is a JSON-able description of everything the parts depend on. If the block
    raises (or the process is killed) the folder stays for the next run; if it succeeds the
    folder replaces `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.parent / f".{path.name}.old.tmp"
    if old.is_dir() and not path.exists():  # killed between the two renames below
        os.replace(old, path)
        logger.warning("restored %s from an interrupted run", path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # an atomic_dir run's leftovers
        if stale != old:
            shutil.rmtree(stale, ignore_errors=True)
    folder = path.parent / f".{path.name}{SUFFIX}"
    key = hashlib.sha256(
        json.dumps(fingerprint, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    state: dict[str, Any] = {}
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        state = json.loads((folder / RESUME_FILE).read_text(encoding="utf-8"))
    resumed = state.get("fingerprint") == key and folder.is_dir()
    if not resumed:
        if folder.exists():
            logger.warning(
                "%s: discarding the parts of an interrupted run (its inputs, configuration or "
                "code differ from this run's)",
                folder,
            )
            shutil.rmtree(folder)
        folder.mkdir()
        state = {"fingerprint": key, "inputs": fingerprint}
        write_json(state, folder / RESUME_FILE)
    yield Resume(folder, state, resumed)
    shutil.rmtree(folder / DONE, ignore_errors=True)
    (folder / RESUME_FILE).unlink(missing_ok=True)
    if path.exists():
        os.replace(path, old)
    os.replace(folder, path)
    shutil.rmtree(old, ignore_errors=True)
