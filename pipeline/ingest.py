"""Stage `ingest@<collection>`: raw source files -> documents, pages, rejects and word confidence
Parquet.

    python -m pipeline.ingest <collection>

Every unit the format's `find` yields is parsed on the Dask cluster; a unit or record that
cannot be used becomes a rejects row with its reason, never a crash and never a silent skip.
"""

from __future__ import annotations

import argparse
import logging
import math
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import get_adapter
from ingest._encoding import find_mojibake, repair_text
from ingest._paths import relative_source
from ingest.language import detect, normalise_code
from ingest.record import (
    DOCUMENT_SCHEMA,
    PAGE_SCHEMA,
    REJECT_SCHEMA,
    WORD_CONFIDENCE_SCHEMA,
    Page,
    Record,
    Reject,
    SourceError,
    count_words,
    to_table,
)
from pipeline import cluster as clusters
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_documents, write_parquet
from pipeline.params import REPORTS, STAGED, CollectionConfig, ConfigError, load_params
from pipeline.reports import write_report

logger = logging.getLogger(__name__)

STAGE = "ingest"

# Rejects that report a broken *part* of a record the stage kept (its date): the record is in
# documents.parquet, so these rows do not count towards ingest.max_reject_share.
KEPT_REASONS = frozenset({"impossible_date", "implausible_year", "date_not_understood"})
# Dates a source gives as explicitly unknown: nothing was lost, nothing to report.
_NO_DATE = frozenset(
    {
        "",
        "n.d.",
        "nd",
        "s.d.",
        "sd",
        "s.a.",
        "o.j.",
        "no date",
        "undated",
        "unknown",
        "date not known",
        "date unknown",
        "sans date",
        "ohne jahr",
        "[n.d.]",
        "[s.d.]",
        "?",
    }
)
_DATE_PROBLEMS = {
    "impossible_date": "is not a real calendar date",
    "implausible_year": "falls outside the plausible years of this source",
    "date_not_understood": "was not understood as a date",
}


@dataclass(frozen=True)
class Task:
    """One partition of a collection's units, shipped to a worker."""

    collection: str
    kind: str
    format: str
    root: str
    units: tuple[str, ...]
    options: tuple[tuple[str, Any], ...]
    languages: tuple[str, ...]
    detect_language: bool


def parse_units(task: Task) -> dict[str, Any]:
    """Parse a partition of units into Arrow tables (runs on a worker)."""
    adapter = get_adapter(task.format)
    root = Path(task.root)
    options = dict(task.options)
    records: list[Record] = []
    pages: list[Page] = []
    rejects: list[Reject] = []
    for unit in task.units:
        path = Path(unit)
        rel = relative_source(path, root)
        try:
            for item in adapter.parse(
                path, root=root, collection=task.collection, kind=task.kind, **options
            ):
                if isinstance(item, Record):
                    _add_record(item, task, rel, records, rejects)
                elif isinstance(item, Page):
                    pages.append(item)
                elif isinstance(item, Reject):
                    rejects.append(item)
                else:
                    raise TypeError(f"adapter {task.format!r} yielded {type(item).__name__}")
        except SourceError as exc:
            rejects.append(Reject(task.collection, rel, STAGE, exc.reason, exc.detail[:2000]))
        except Exception as exc:  # a parser bug must not kill the run or lose the file
            logger.exception("unexpected error parsing %s", path)
            rejects.append(
                Reject(
                    task.collection,
                    rel,
                    STAGE,
                    "parser_error",
                    f"{type(exc).__name__}: {exc}"[:2000],
                )
            )
    words, per_record, n_not_located = word_confidence_table(records)
    return {
        "documents": to_table(records, Record),
        "pages": to_table(pages, Page),
        "rejects": to_table(rejects, Reject),
        "word_confidence": words,
        "word_confidence_rows": per_record,  # rows of each document, in document order
        "n_words_not_located": n_not_located,
    }


def locate_words(
    text: str, words: Iterable[tuple[str, float | None]]
) -> tuple[list[tuple[int, int, float]], int]:
    """([start, end) offsets in `text` and WC of each word with a confidence, words not found).

    Adapters build the text from the words in the same order, so each word is searched from the
    end of the previous one; a word not found (the text was corrected after OCR) is counted and
    the cursor stays where it was.
    """
    located: list[tuple[int, int, float]] = []
    missing = 0
    cursor = 0
    for word, conf in words:
        if not word:
            continue
        at = text.find(word, cursor)
        if at < 0:
            missing += 1
            continue
        cursor = at + len(word)
        if conf is not None:
            located.append((at, cursor, conf))
    return located, missing


def word_confidence_table(records: list[Record]) -> tuple[pa.Table, list[int], int]:
    """WORD_CONFIDENCE_SCHEMA rows of the records' OCR words in record then offset order, the
    number of rows of each record, and the number of words not found in their record's text."""
    doc_ids: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    confs: list[float] = []
    per_record: list[int] = []
    missing = 0
    for record in records:
        located, lost = locate_words(record.text, record.words)
        per_record.append(len(located))
        missing += lost
        if lost:
            logger.debug("%s: %d OCR word(s) not found in the text", record.doc_id, lost)
        doc_ids.extend([record.doc_id] * len(located))
        for a, b, c in located:
            starts.append(a)
            ends.append(b)
            confs.append(c)
    table = pa.Table.from_pydict(
        {"doc_id": doc_ids, "start": starts, "end": ends, "confidence": confs},
        schema=WORD_CONFIDENCE_SCHEMA,
    )
    return table, per_record, missing


def _add_record(
    record: Record, task: Task, rel: str, records: list[Record], rejects: list[Reject]
) -> None:
    text, repair = repair_text(record.text)
    if repair is not None:
        # kept and flagged: ELTeC-eng's Machen (1907) has its em-dashes double-encoded ("â€”")
        metadata = dict(record.metadata)
        metadata["text_repair"] = repair.describe()
        metadata["text_repaired_chars"] = str(repair.n_chars)
        # counts the adapter derived from the damaged text are derived again
        n_chars = len(text) if record.n_chars == len(record.text) else record.n_chars
        n_words = record.n_words
        if n_words >= 0 and n_words == count_words(record.text):
            n_words = count_words(text)
        record = replace(record, text=text, metadata=metadata, n_chars=n_chars, n_words=n_words)
    try:
        record = record.finalize()
    except ValueError as exc:
        rejects.append(
            Reject(
                task.collection,
                record.source_path or rel,
                STAGE,
                "invalid_record",
                f"{record.doc_id}: {exc}",
            )
        )
        return
    if not record.text.strip():
        rejects.append(
            Reject(
                task.collection,
                record.source_path or rel,
                STAGE,
                "no_text",
                f"{record.doc_id} has no reading text",
            )
        )
        return
    wrong = find_mojibake(record.text)
    if wrong:
        rejects.append(
            Reject(
                task.collection,
                record.source_path or rel,
                STAGE,
                "wrong_encoding",
                f"{record.doc_id}: the text reads {wrong!r}: UTF-8 decoded as "
                f"ISO-8859-1/cp1252{' even after repair' if repair else ''}, which ftfy "
                "cannot decode back (bytes lost, or encodings mixed within a line); the source "
                "file needs fixing by hand",
            )
        )
        return
    problem = check_date(record)
    if problem is not None:
        reason, detail = problem
        rejects.append(Reject(task.collection, record.source_path or rel, STAGE, reason, detail))
    language = normalise_code(record.language)
    metadata = dict(record.metadata)
    if language is None and task.detect_language:
        candidates = tuple(sorted({c for c in map(normalise_code, task.languages) if c}))
        # With one declared language there is nothing to choose: detection would only add noise.
        if len(candidates) == 1:
            language = candidates[0]
            metadata["language_source"] = "params"
        else:
            language, prob = detect(record.text, candidates or None)
            metadata["language_source"] = f"py3langid:{prob:.3f}"
    elif task.detect_language and len(declared := _declared_languages(metadata)) > 1:
        # the source lists several languages for the record (BnL MODS "fr,de" for the bilingual
        # Luxemburger Zeitung; the sample's issue is 73 % French by words): the first one listed
        # says nothing about the text, so the text decides among the declared ones
        found, prob = detect(record.text, declared)
        if found:
            language = found
            source = metadata.get("language_source", "source")
            metadata["language_source"] = f"{source}+py3langid:{prob:.3f}"
    records.append(replace(record, language=language, metadata=metadata))


def _declared_languages(metadata: dict[str, str]) -> tuple[str, ...]:
    """The ISO 639-1 codes of metadata["languages"] ("fr,de"); Tesseract strings give none."""
    codes = {normalise_code(c) for c in str(metadata.get("languages", "")).split(",")}
    return tuple(sorted(c for c in codes if c))


def check_date(record: Record) -> tuple[str, str] | None:
    """(reason, detail) when the source wrote a date the record could not keep, else None."""
    text = (record.date_text or "").strip()
    if record.date_start is not None or record.date_end is not None or text.lower() in _NO_DATE:
        return None
    flags = str(record.metadata.get("date_flag", "")).split(",")
    reason = next((f for f in flags if f in _DATE_PROBLEMS), "date_not_understood")
    return reason, (
        f"{record.doc_id}: date {text!r} {_DATE_PROBLEMS[reason]}; the record is kept "
        "without a date"
    )


def partition(units: list[Path], n_workers: int, max_size: int = 64) -> list[list[Path]]:
    """Contiguous chunks, about four per worker, so order (and output) stays deterministic.

    An adapter whose units are slow (OCR: a second or more per page) sets `UNITS_PER_TASK`
    (passed as max_size): with one page per task no worker waits for another's last chunk.
    """
    if not units:
        return []
    size = max(1, min(max_size, math.ceil(len(units) / (4 * max(1, n_workers)))))
    return [units[i : i + size] for i in range(0, len(units), size)]


def run(
    cfg: CollectionConfig,
    out: Path,
    *,
    dask_section: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Ingest one collection into `out` (documents/pages/rejects Parquet); return the metrics."""
    settings = settings or {}
    started = time.perf_counter()
    adapter = get_adapter(cfg.format)
    options = dict(cfg.options)
    units = sorted(adapter.find(cfg.path, **options))
    logger.info("%s: %d unit(s) to parse in %s", cfg.name, len(units), cfg.path)
    # OCRed pages outlive a killed run here (removed once the stage succeeds): the re-run
    # OCRs only the pages it had not finished (ingest.tesseract.cached_ocr_page)
    ocr_cache = out.parent / f".{out.name}.ocr-resume"
    with atomic_dir(out) as tmp, clusters.cluster(dask_section or {}) as runner:
        if "artefact_dir" in getattr(adapter, "OPTIONS", {}):
            options["artefact_dir"] = str(tmp / "artefacts")
        if "ocr_cache" in getattr(adapter, "OPTIONS", {}):
            options["ocr_cache"] = str(ocr_cache)
        tasks = [
            Task(
                cfg.name,
                cfg.kind,
                cfg.format,
                str(cfg.path),
                tuple(map(str, chunk)),
                tuple(sorted(options.items())),
                cfg.languages,
                bool(settings.get("detect_language", True)),
            )
            for chunk in partition(
                units, runner.info["workers"], getattr(adapter, "UNITS_PER_TASK", 64)
            )
        ]
        results = runner.map(
            parse_units, tasks, desc=f"ingest {cfg.name}", sizes=[_task_bytes(t) for t in tasks]
        )
        documents = _concat([r["documents"] for r in results], DOCUMENT_SCHEMA)
        pages = _concat([r["pages"] for r in results], PAGE_SCHEMA)
        rejects = _concat([r["rejects"] for r in results], REJECT_SCHEMA)
        words = _concat([r["word_confidence"] for r in results], WORD_CONFIDENCE_SCHEMA)
        per_record = [n for r in results for n in r["word_confidence_rows"]]
        documents, duplicates, kept = _drop_duplicate_ids(documents, cfg.name)
        if kept is not None:  # the words of a dropped duplicate go with it
            keep = np.zeros(len(per_record), dtype=bool)
            keep[kept] = True
            words = words.filter(pa.array(np.repeat(keep, per_record)))
        rejects = pa.concat_tables([rejects, duplicates])
        write_documents(
            documents,
            tmp / "documents.parquet",
            int(settings.get("chars_per_row_group", 4_000_000)),
        )
        write_parquet(pages, tmp / "pages.parquet")
        write_parquet(rejects, tmp / "rejects.parquet")
        write_parquet(words, tmp / "word_confidence.parquet")
        metrics = summarise(cfg, len(units), documents, pages, rejects)
        metrics["n_word_confidences"] = len(words)
        metrics["n_words_not_located"] = sum(r["n_words_not_located"] for r in results)
        metrics["cluster"] = runner.info["scheduler"]
    shutil.rmtree(ocr_cache, ignore_errors=True)  # the output holds every page now
    metrics["elapsed_s"] = round(time.perf_counter() - started, 2)
    return metrics


def _task_bytes(task: Task) -> int:
    """Bytes on disk of a task's units: the largest tasks are started first."""
    total = 0
    for unit in task.units:
        path = Path(unit)
        try:
            total += (
                sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                if path.is_dir()
                else path.stat().st_size
            )
        except OSError:
            continue  # the adapter reports an unreadable unit as a reject
    return total


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _drop_duplicate_ids(
    documents: pa.Table, collection: str
) -> tuple[pa.Table, pa.Table, list[int] | None]:
    """Keep the first record of each doc_id and of each source file's content; also return the
    kept row numbers (None when every row is kept).

    A later record with an id already seen is a `duplicate_id` reject; a record from a file whose
    bytes equal an earlier file's (a copy under another name: its path-based id differs) is a
    `duplicate_source` reject naming that file, so no text is counted twice.
    """
    ids = documents.column("doc_id").to_pylist()
    paths = documents.column("source_path").to_pylist()
    hashes = documents.column("source_sha256").to_pylist()
    seen: set[str] = set()
    first_path: dict[str, str] = {}
    keep: list[int] = []
    rejects: list[Reject] = []
    for i, doc_id in enumerate(ids):
        digest, path = hashes[i] or "", paths[i] or ""
        if digest:
            first_path.setdefault(digest, path)
        if doc_id in seen:
            rejects.append(
                Reject(
                    collection,
                    path,
                    STAGE,
                    "duplicate_id",
                    f"{doc_id} already produced by an earlier record",
                )
            )
        elif digest and first_path[digest] != path:
            rejects.append(
                Reject(
                    collection,
                    path,
                    STAGE,
                    "duplicate_source",
                    f"{doc_id}: {path} has the same content as {first_path[digest]} "
                    f"(sha256 {digest[:12]}...); only the first copy is kept",
                )
            )
        else:
            keep.append(i)
        seen.add(doc_id)
    if not rejects:
        return documents, REJECT_SCHEMA.empty_table(), None
    return documents.take(keep), to_table(rejects, Reject), keep


def count_lost(rejects: pa.Table) -> int:
    """Rejects that stand for a unit or record missing from the documents (not KEPT_REASONS)."""
    return sum(1 for r in rejects.column("reason").to_pylist() if r not in KEPT_REASONS)


def summarise(
    cfg: CollectionConfig, n_units: int, documents: pa.Table, pages: pa.Table, rejects: pa.Table
) -> dict[str, Any]:
    """Counts for the DVC metrics file: what went in, what came out, what was rejected and why."""
    years = [y for y in documents.column("year").to_pylist() if y is not None]
    conf = pc.mean(documents.column("ocr_confidence")).as_py() if len(documents) else None
    n_docs, n_rej = len(documents), len(rejects)
    n_lost = count_lost(rejects)
    repaired = [
        int(n)
        for n in pc.map_lookup(
            documents.column("metadata"), "text_repaired_chars", "first"
        ).to_pylist()
        if n is not None
    ]
    return {
        "collection": cfg.name,
        "kind": cfg.kind,
        "format": cfg.format,
        "n_units": n_units,
        "n_documents": n_docs,
        "n_pages": len(pages),
        "n_rejects": n_rej,
        "n_rejects_kept": n_rej - n_lost,  # rows about a part of a kept record (its date)
        "reject_share": round(n_lost / (n_docs + n_lost), 4) if n_docs + n_lost else 0.0,
        "rejects_by_reason": dict(sorted(Counter(rejects.column("reason").to_pylist()).items())),
        "n_words": int(pc.sum(documents.column("n_words")).as_py() or 0),
        "n_chars": int(pc.sum(documents.column("n_chars")).as_py() or 0),
        # documents whose text had encoding damage that ftfy repaired, and characters it wrote
        "n_documents_repaired": len(repaired),
        "n_chars_repaired": sum(repaired),
        "year_min": min(years) if years else None,
        "year_max": max(years) if years else None,
        "n_dated": len(years),
        "date_precision": dict(
            sorted(
                Counter(p or "none" for p in documents.column("date_precision").to_pylist()).items()
            )
        ),
        "languages": dict(
            sorted(
                Counter(
                    lang or "unknown" for lang in documents.column("language").to_pylist()
                ).items()
            )
        ),
        "ocr_confidence_mean": round(conf, 4) if conf is not None else None,
    }


def read_max_reject_share(settings: dict[str, Any]) -> float:
    """ingest.max_reject_share as a share in [0, 1]; anything else is a ConfigError."""
    value = settings.get("max_reject_share", 1.0)
    try:
        limit = float(value)
    except (TypeError, ValueError):
        limit = math.nan
    if isinstance(value, bool) or not 0.0 <= limit <= 1.0:
        raise ConfigError(
            f"params.yaml: ingest.max_reject_share is {value!r}; set a share between 0 and 1 "
            "(0.5 = the stage fails when more than half of the units are rejected)"
        )
    return limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("collection", help="a collection name from params.yaml")
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    if args.collection not in params.collections:
        raise ConfigError(
            f"no collection {args.collection!r} in params.yaml; known: "
            f"{', '.join(params.collections) or 'none'}"
        )
    cfg = params.collections[args.collection]
    settings = params.section("ingest")
    limit = read_max_reject_share(settings)
    metrics = run(cfg, STAGED / cfg.name, dask_section=params.section("dask"), settings=settings)
    write_report(metrics, REPORTS / "ingest" / f"{cfg.name}.json")
    print(
        f"ingest {cfg.name}: {metrics['n_documents']} documents, {metrics['n_pages']} pages, "
        f"{metrics['n_rejects']} rejects {metrics['rejects_by_reason'] or ''}"
    )
    if metrics["reject_share"] > limit:
        print(
            f"ingest {cfg.name}: FAILED: {metrics['reject_share']:.1%} of the units and records "
            "were rejected, "
            f"above ingest.max_reject_share={limit:.1%} in params.yaml; see "
            f"{STAGED / cfg.name / 'rejects.parquet'}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    exit_with(main, "longue ingest")
