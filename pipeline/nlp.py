"""Stage `nlp@<collection>`: documents -> tokens, entities and per-document statistics.

    python -m pipeline.nlp <collection>

Each Dask task reads one row group of the collection's documents.parquet (a few million
characters), annotates it with spaCy (models loaded once per worker process, cached in
models.nlp) and writes its own Parquet part files, so memory is bounded by the row group,
not by the collection. A long document is annotated in pieces (runs of its chunks) by several
tasks; the driver merges the pieces into the part file the whole document would have had.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest.language import normalise_code
from ingest.record import ENTITY_SCHEMA
from models import nlp as nlp_models
from pipeline import cluster as clusters
from pipeline.errors import configure_logging, exit_with
from pipeline.io import write_parquet
from pipeline.params import NLP, REPORTS, STAGED, ConfigError, load_params
from pipeline.reports import write_report
from pipeline.resume import file_digest, mark_done, resumable_dir, source_digest

logger = logging.getLogger(__name__)

TABLES = ("tokens", "entities", "doc_stats")
PIECES = "pieces"  # part files of the pieces of split documents, until the driver merges them
WORD_CONFIDENCE = "word_confidence.parquet"  # written by ingest next to documents.parquet


@dataclass(frozen=True)
class Task:
    documents: str  # path of documents.parquet
    row_group: int
    start: int  # slice of the row group's rows
    stop: int
    out: str  # directory receiving tokens/, entities/, doc_stats/ part files
    config: nlp_models.NlpConfig
    default_language: str
    n_chars: int = 0  # characters of text in the slice: larger tasks are started first
    # a piece of one long document (start + 1 == stop): its chunks [chunk_start, chunk_stop)
    # as models.nlp.annotate cuts the whole text; None: whole documents
    chunk_start: int | None = None
    chunk_stop: int | None = None


class Slice(NamedTuple):
    """What one task annotates: rows [start, stop) of a row group, or a piece of one document."""

    row_group: int
    start: int
    stop: int
    n_chars: int
    chunk_start: int | None = None
    chunk_stop: int | None = None


def part_name(row_group: int, start: int) -> str:
    """The part file of the task starting at row `start` of `row_group`."""
    return f"part-{row_group:05d}-{start:06d}.parquet"


def task_name(task: Task | Slice) -> str:
    """The name a task's part files (and its `done` record) carry, without the suffix."""
    if task.chunk_start is not None:
        return piece_name(task.row_group, task.start, task.chunk_start).removesuffix(".parquet")
    return part_name(task.row_group, task.start).removesuffix(".parquet")


def annotate_row_group(task: Task) -> dict[str, Any]:
    """Annotate one row group slice and write its part files (runs on a worker)."""
    started, cpu = time.perf_counter(), time.process_time()
    table = (
        pq.ParquetFile(task.documents)
        .read_row_group(task.row_group, columns=["doc_id", "text", "language", "metadata"])
        .slice(task.start, task.stop - task.start)
    )
    ids = table.column("doc_id").to_pylist()
    docs = zip(
        ids, table.column("text").to_pylist(), table.column("language").to_pylist(), strict=True
    )
    piece = task.chunk_start is not None and task.chunk_stop is not None
    chunks = {0: (task.chunk_start or 0, task.chunk_stop or 0)} if piece else None
    tokens, entities, stats, described = nlp_models.annotate(
        docs, task.config, task.default_language, chunks=chunks
    )
    words_path = Path(task.documents).parent / WORD_CONFIDENCE
    if words_path.exists() and len(tokens):
        words = pq.read_table(words_path, filters=[("doc_id", "in", ids)])
        tokens = attach_word_confidence(tokens, words, ids)
    n_confident = len(tokens) - tokens.column("word_confidence").null_count
    markup: list[dict[str, Any]] = []
    first = not piece or task.chunk_start == 0
    if first:  # a split document's markup entities come with its first piece only
        for doc_id, meta in zip(ids, table.column("metadata").to_pylist(), strict=True):
            markup.extend(
                nlp_models.markup_entities(doc_id, dict(meta or []).get("markup_entities"))
            )
    if markup:
        entities = pa.concat_tables([entities, pa.Table.from_pylist(markup, schema=ENTITY_SCHEMA)])
    if piece:
        out = Path(task.out) / PIECES
        name = piece_name(task.row_group, task.start, task.chunk_start or 0)
    else:
        out, name = Path(task.out), part_name(task.row_group, task.start)
    for sub, t in zip(TABLES, (tokens, entities, stats), strict=True):
        write_parquet(t, out / sub / name)
    result = {
        "n_documents": len(ids) if first else 0,
        "n_chars": task.n_chars,
        "n_tokens": len(tokens),
        "n_tokens_with_confidence": n_confident,
        "n_entities_ner": len(entities) - len(markup),
        "n_entities_markup": len(markup),
        "pipelines": described,
        "busy_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        **describe_process(),
    }
    mark_done(task.out, task_name(task), result)  # last: the task is finished once this exists
    return result


def piece_name(row_group: int, start: int, chunk_start: int) -> str:
    """The part file of one piece of the document at row `start` of `row_group`."""
    return f"part-{row_group:05d}-{start:06d}-{chunk_start:07d}.parquet"


def merge_pieces(out: Path, tasks: list[Task]) -> int:
    """Merge the pieces of each split document into the part file the whole document would
    have had; return the number of split documents.

    A piece counts its positions (and heads) and sentences from 0: the tokens and sentences of
    the earlier pieces are added, entities keep the order of the unsplit run (spaCy's, then
    markup), and the statistics are summed (every column of DOC_STATS_SCHEMA but the names is
    a count).
    """
    split: dict[tuple[int, int], list[int]] = {}
    for t in tasks:
        if t.chunk_start is not None:
            split.setdefault((t.row_group, t.start), []).append(t.chunk_start)
    pieces_dir = out / PIECES
    for (group, start), chunk_starts in sorted(split.items()):
        names = [piece_name(group, start, c) for c in sorted(chunk_starts)]
        tables = {sub: [pq.read_table(pieces_dir / sub / n) for n in names] for sub in TABLES}
        stats = tables["doc_stats"]
        tokens, n_tokens, n_sentences = [], 0, 0
        for t, s in zip(tables["tokens"], stats, strict=True):
            for column, add in (
                ("position", n_tokens),
                ("head", n_tokens),  # a position too; nulls stay null
                ("sentence", n_sentences),
            ):
                i = t.schema.get_field_index(column)
                shifted = pc.add(t.column(i), pa.scalar(add, t.schema.field(i).type))
                t = t.set_column(i, t.schema.field(i), shifted)
            tokens.append(t)
            n_tokens += sum(s.column("n_tokens").to_pylist())
            n_sentences += sum(s.column("n_sentences").to_pylist())
        entities = [e.filter(pc.equal(e.column("origin"), "ner")) for e in tables["entities"]]
        first = tables["entities"][0]
        entities.append(first.filter(pc.not_equal(first.column("origin"), "ner")))
        merged = pa.concat_tables(stats)
        row: dict[str, Any] = {}
        for field in merged.schema:
            values = merged.column(field.name).to_pylist()
            if pa.types.is_integer(field.type):
                row[field.name] = sum(values)
            else:  # doc_id, language, model: one document, one pipeline
                if len(set(values)) != 1:
                    raise RuntimeError(f"pieces of {values} disagree on {field.name}")
                row[field.name] = values[0]
        name = part_name(group, start)
        write_parquet(pa.concat_tables(tokens), out / "tokens" / name)
        write_parquet(pa.concat_tables(entities), out / "entities" / name)
        write_parquet(pa.Table.from_pylist([row], schema=merged.schema), out / "doc_stats" / name)
    shutil.rmtree(pieces_dir, ignore_errors=True)
    return len(split)


def attach_word_confidence(tokens: pa.Table, words: pa.Table, ids: list[str]) -> pa.Table:
    """`tokens` with word_confidence set from the OCR words (WORD_CONFIDENCE_SCHEMA rows of the
    documents `ids`, each document's rows in start order, not overlapping).

    A token gets the confidence of the word whose [start, end) holds its start_char; a token
    outside every word (or in a document without OCR words) keeps a null.
    """
    if not len(tokens) or not len(words):
        return tokens
    value_set = pa.array(ids, pa.string())
    tok_doc = pc.index_in(tokens.column("doc_id"), value_set=value_set).to_numpy()
    word_doc = pc.index_in(words.column("doc_id"), value_set=value_set).to_numpy()
    tok_start = tokens.column("start_char").to_numpy()
    starts = words.column("start").to_numpy()
    ends = words.column("end").to_numpy()
    # one sorted key over all documents: document number, then offset inside it
    span = int(max(tok_start.max(), ends.max())) + 1
    word_key = word_doc.astype(np.int64) * span + starts
    order = np.argsort(word_key, kind="stable")
    word_key, ends, word_doc = word_key[order], ends[order], word_doc[order]
    conf = words.column("confidence").to_numpy()[order]
    tok_key = tok_doc.astype(np.int64) * span + tok_start
    at = np.searchsorted(word_key, tok_key, side="right") - 1
    safe = np.maximum(at, 0)
    hit = (at >= 0) & (word_doc[safe] == tok_doc) & (tok_start < ends[safe])
    values = pa.array(np.where(hit, conf[safe], 0).astype(np.float32), pa.float32(), mask=~hit)
    index = tokens.schema.get_field_index("word_confidence")
    return tokens.set_column(index, tokens.schema.field(index), values)


def describe_process() -> dict[str, Any]:
    """Which worker process ran this, and its peak resident memory so far (MB)."""
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):  # synchronous or threaded scheduler: this process
        worker = "in-process"
    # ru_maxrss is in kilobytes on Linux (bytes on macOS); the peak of the whole process life
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return {"worker": worker, "pid": os.getpid(), "peak_rss_mb": round(peak / scale, 1)}


def warm_worker(config: nlp_models.NlpConfig, languages: tuple[str, ...]) -> dict[str, Any]:
    """Load the pipelines of `languages` into this worker's cache before any task runs."""
    started = time.perf_counter()
    described = [nlp_models.load_pipeline(lang, config)[1] for lang in languages]
    return {
        "load_s": round(time.perf_counter() - started, 2),
        "pipelines": described,
        "code": nlp_models.__file__,
        **describe_process(),
    }


def document_languages(documents: Path, default_language: str) -> tuple[str, ...]:
    """The languages the pipelines will be loaded for (as annotate() resolves them)."""
    column = pq.read_table(documents, columns=["language"]).column("language")
    found = {normalise_code(x) or default_language for x in column.unique().to_pylist()}
    return tuple(sorted(found))


def plan_tasks(
    documents: Path,
    n_workers: int,
    min_chars: int = 20_000,
    per_worker: int = 8,
    config: nlp_models.NlpConfig | None = None,
    default_language: str = "en",
) -> list[Slice]:
    """Slices (row group, start, stop, n_chars, chunk_start, chunk_stop) of the documents.

    Row groups bound memory (ingest writes them at ~ingest.chars_per_row_group characters);
    slicing them into about `per_worker` tasks per worker keeps every worker busy to the end,
    together with the largest-first order in which the Runner submits them. With a `config`,
    a document longer than the per-task target is cut into pieces of about the target, at the
    boundaries of the nlp.pipe batches annotate() makes of it, so the annotations are those of
    the whole document; without one, a long document is one task.
    """
    f = pq.ParquetFile(documents)
    sizes = [
        f.read_row_group(g, columns=["n_chars"]).column(0).to_pylist()
        for g in range(f.num_row_groups)
    ]
    total = sum(sum(s) for s in sizes)
    target = max(min_chars, total // max(1, per_worker * n_workers))
    slices: list[Slice] = []
    for group, chars in enumerate(sizes):
        start, acc = 0, 0
        for i, n in enumerate(chars):
            if acc and acc + n > target:
                slices.append(Slice(group, start, i, acc))
                start, acc = i, 0
            acc += n
        if start < len(chars):
            slices.append(Slice(group, start, len(chars), acc))
    if config is None:
        return slices
    tasks: list[Slice] = []
    group_read, texts, languages = -1, pa.table({}), pa.table({})
    for s in slices:
        # a document larger than the target is alone in its slice (see the cut above)
        if s.stop - s.start == 1 and s.n_chars > target:
            if s.row_group != group_read:  # each row group's text read once
                group = f.read_row_group(s.row_group, columns=["text", "language"])
                group_read, texts, languages = s.row_group, group["text"], group["language"]
            text, language = texts[s.start].as_py() or "", languages[s.start].as_py()
            tasks.extend(plan_pieces(s, text, language, target, config, default_language))
        else:
            tasks.append(s)
    return tasks


def plan_pieces(
    s: Slice,
    text: str,
    language: str | None,
    target: int,
    config: nlp_models.NlpConfig,
    default_language: str,
) -> list[Slice]:
    """The slice `s` of one long document (`text`) as pieces of consecutive nlp.pipe batches
    of about `target` characters (`s` itself when that makes one piece)."""
    batches = nlp_models.document_batches(text, language, config, default_language)
    pieces: list[Slice] = []
    chunk, char, acc_chunk, acc_char = 0, 0, 0, 0  # piece start; end of the batches so far
    for chunk_stop, char_stop in batches:
        if acc_chunk > chunk and char_stop - char > target:
            pieces.append(Slice(s.row_group, s.start, s.stop, acc_char - char, chunk, acc_chunk))
            chunk, char = acc_chunk, acc_char
        acc_chunk, acc_char = chunk_stop, char_stop
    if len(pieces) == 0:
        return [s]
    pieces.append(Slice(s.row_group, s.start, s.stop, s.n_chars - char, chunk, acc_chunk))
    return pieces


def run(
    collection: str,
    documents: Path,
    out: Path,
    config: nlp_models.NlpConfig,
    *,
    default_language: str = "en",
    dask_section: dict[str, Any] | None = None,
    min_chars: int = 20_000,
    per_worker: int = 8,
    split_documents: bool = True,
) -> dict[str, Any]:
    """Annotate one collection's documents into `out`; return the metrics.

    `min_chars` and `per_worker` set the task size (see plan_tasks); `split_documents` lets
    a document longer than that be annotated in pieces by several tasks (same output).
    """
    started = time.perf_counter()
    languages = document_languages(documents, default_language)
    fingerprint = run_fingerprint(
        documents,
        config,
        default_language=default_language,
        min_chars=min_chars,
        per_worker=per_worker,
        split_documents=split_documents,
    )
    with resumable_dir(out, fingerprint) as work, clusters.cluster(dask_section or {}) as runner:
        tmp = work.folder
        for sub in TABLES:
            (tmp / sub).mkdir(exist_ok=True)
        # every worker loads its models once, before the timed annotation (and a worker that
        # cannot import the project fails here with a message, not in the middle of the run)
        warm = runner.run_on_workers(warm_worker, config, languages)
        warmed = time.perf_counter()
        if work.plan is None:
            planned = plan_tasks(
                documents,
                runner.info["workers"],
                min_chars=min_chars,
                per_worker=per_worker,
                config=config if split_documents else None,
                default_language=default_language,
            )
            work.set_plan([list(s) for s in planned])
        else:  # an interrupted run's plan: the parts it finished are cut the same way
            planned = [Slice(*s) for s in work.plan]
        tasks = [
            Task(
                str(documents),
                s.row_group,
                s.start,
                s.stop,
                str(tmp),
                config,
                default_language,
                s.n_chars,
                s.chunk_start,
                s.chunk_stop,
            )
            for s in planned
        ]
        finished = {i: work.finished(task_name(t)) for i, t in enumerate(tasks)}
        todo = [i for i, r in finished.items() if r is None]
        if work.resumed:
            logger.warning(
                "nlp %s: resuming an interrupted run in %s: %d of %d tasks already done",
                collection,
                tmp,
                len(tasks) - len(todo),
                len(tasks),
            )
        ran = runner.map(
            annotate_row_group,
            [tasks[i] for i in todo],
            desc=f"nlp {collection}",
            sizes=[tasks[i].n_chars for i in todo],
        )
        finished.update(zip(todo, ran, strict=True))
        results = [r for _, r in sorted(finished.items()) if r is not None]
        n_split = merge_pieces(tmp, tasks)
        annotated = time.perf_counter()
        if not results:  # an empty collection still gets readable (empty) tables
            tokens, entities, stats, _ = nlp_models.annotate([], config, default_language)
            for sub, t in zip(TABLES, (tokens, entities, stats), strict=True):
                write_parquet(t, tmp / sub / "part-00000.parquet")
        info = runner.info
    elapsed = time.perf_counter() - started
    return summarise(
        collection,
        config,
        info,
        warm,
        results,
        elapsed=elapsed,
        warmup=warmed - started,
        annotate=annotated - warmed,
        n_split_documents=n_split,
    )


# the code that writes the part files: a change to any of it makes an interrupted run's parts
# unusable (pipeline.resume discards them)
_CODE = Path(__file__).resolve().parents[1]
PART_CODE = (
    _CODE / "models",
    _CODE / "pipeline" / "nlp.py",
    _CODE / "ingest" / "record.py",
    _CODE / "ingest" / "language.py",
)


def run_fingerprint(
    documents: Path, config: nlp_models.NlpConfig, **settings: Any
) -> dict[str, Any]:
    """Everything the part files depend on, for pipeline.resume (inputs by content)."""
    from importlib import metadata

    versions = {}
    for name in ["spacy", *sorted(set(config.models.values()))]:
        with contextlib.suppress(metadata.PackageNotFoundError, ValueError):
            versions[name] = metadata.version(name)
    words = documents.parent / WORD_CONFIDENCE
    return {
        "documents": file_digest(documents),
        "word_confidence": file_digest(words) if words.exists() else None,
        "config": dataclasses.asdict(config),
        "ner_models": {
            lang: file_digest(Path(p)) if Path(p).exists() else None
            for lang, p in sorted(config.ner_models.items())
        },
        "versions": versions,
        "code": source_digest(PART_CODE),
        "settings": settings,
    }


def summarise(
    collection: str,
    config: nlp_models.NlpConfig,
    info: dict[str, Any],
    warm: dict[str, dict[str, Any]],
    results: list[dict[str, Any]],
    *,
    elapsed: float,
    warmup: float,
    annotate: float,
    n_split_documents: int = 0,
) -> dict[str, Any]:
    """The stage metrics: what ran (pipelines, components, fallbacks, normalisation, cluster),
    how much, how fast, and each worker's peak memory."""
    n_tokens = sum(r["n_tokens"] for r in results)
    pipelines: dict[str, dict[str, Any]] = {}
    for w in warm.values():
        for d in w["pipelines"]:
            pipelines[d["language"]] = d
    for r in results:
        for d in r["pipelines"]:
            pipelines[d["language"]] = d
    workers: dict[str, dict[str, Any]] = {}
    for name, w in warm.items():
        workers[w["worker"] if name == "in-process" else name] = {
            "pid": w["pid"],
            "load_s": w["load_s"],
            "n_tasks": 0,
            "n_tokens": 0,
            "busy_s": 0.0,
            "cpu_s": 0.0,
            "peak_rss_mb": w["peak_rss_mb"],
        }
    for r in results:
        w = workers.setdefault(
            r["worker"],
            {
                "pid": r["pid"],
                "load_s": None,
                "n_tasks": 0,
                "n_tokens": 0,
                "busy_s": 0.0,
                "cpu_s": 0.0,
                "peak_rss_mb": 0.0,
            },
        )
        w["n_tasks"] += 1
        w["n_tokens"] += r["n_tokens"]
        w["busy_s"] += r["busy_s"]
        w["cpu_s"] += r["cpu_s"]
        w["peak_rss_mb"] = max(w["peak_rss_mb"], r["peak_rss_mb"])
    cpu = sum(w["cpu_s"] for w in workers.values())
    for w in workers.values():
        w["busy_s"] = round(w["busy_s"], 2)
        w["cpu_s"] = round(w["cpu_s"], 2)
    return {
        "collection": collection,
        "n_documents": sum(r["n_documents"] for r in results),
        "n_chars": sum(r["n_chars"] for r in results),
        "n_tokens": n_tokens,
        # tokens inside an OCR word with a confidence (ingest's word_confidence.parquet)
        "n_tokens_with_confidence": sum(r["n_tokens_with_confidence"] for r in results),
        "n_entities_ner": sum(r["n_entities_ner"] for r in results),
        "n_entities_markup": sum(r["n_entities_markup"] for r in results),
        "n_tasks": len(results),
        # long documents annotated in pieces by several tasks, then merged
        "n_split_documents": n_split_documents,
        "max_task_chars": max((r["n_chars"] for r in results), default=0),
        "pipelines": dict(sorted(pipelines.items())),
        "fallbacks": {
            lang: d["reason"] for lang, d in sorted(pipelines.items()) if d.get("fallback")
        },
        "profile": config.profile,
        # per language: what its tokens get (lemma, pos, morph, parse, entities) and from what
        "annotation": {
            lang: {
                "pipeline": d["loaded"],
                "package": d.get("package"),
                "ner_model": d.get("ner_model"),
                **d.get("annotates", {}),
            }
            for lang, d in sorted(pipelines.items())
        },
        "disable": list(config.disable),
        "normalise": list(config.normalise),
        "batch_size": config.batch_size,
        "batch_chars": config.batch_chars,
        "max_chars": config.max_chars,
        "cluster": {
            "kind": info["scheduler"],
            "n_workers": info["workers"],
            "address": info.get("address"),
        },
        "workers": dict(sorted(workers.items())),
        "peak_rss_mb": max((w["peak_rss_mb"] for w in workers.values()), default=None),
        "elapsed_s": round(elapsed, 2),
        "warmup_s": round(warmup, 2),
        "annotate_s": round(annotate, 2),
        "tokens_per_s": round(n_tokens / elapsed, 1) if elapsed > 0 else None,
        "tokens_per_s_annotate": round(n_tokens / annotate, 1) if annotate > 0 else None,
        # CPU time of the tasks in the workers: the stage's cost, whatever else loads the machine
        "tokens_per_cpu_s": round(n_tokens / cpu, 1) if cpu > 0 else None,
    }


# params.yaml `nlp:` keys that are not NlpConfig fields
_NOT_CONFIG = {"default_language", "collection_profiles", "train_ner"}


def config_from_params(
    section: dict[str, Any], collection: str | None = None
) -> nlp_models.NlpConfig:
    """Build the NlpConfig from params.yaml `nlp:` (for `collection`: its profile, if any)."""
    allowed = {
        "models",
        "disable",
        "fallback",
        "batch_size",
        "batch_chars",
        "max_chars",
        "normalise",
        "profile",
        "components",
        "ner_models",
        *_NOT_CONFIG,
    }
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(
            f"params.yaml nlp: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    kwargs: dict[str, Any] = {k: v for k, v in section.items() if k not in _NOT_CONFIG}
    for key in ("disable", "normalise"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key] or ())
    examples = {
        "models": "{fr: fr_core_news_sm}",
        "components": "{de: [longue_hanta]}",
        "ner_models": "{de: data/models/ner/de-hipe2020}",
        "collection_profiles": "{tate: fast}",
    }
    for key, example in examples.items():
        value = section.get(key)
        if value is not None and not isinstance(value, dict):
            raise ConfigError(
                f"params.yaml nlp.{key} must be a mapping (language or collection -> value), "
                f"e.g. {example}; got {value!r}"
            )
        if key in kwargs:
            kwargs[key] = dict(value or {})
    profiles = dict(section.get("collection_profiles") or {})
    if collection is not None and collection in profiles:
        kwargs["profile"] = profiles[collection]
    try:
        return nlp_models.NlpConfig(**kwargs)
    except ValueError as exc:
        raise ConfigError(f"params.yaml nlp: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue nlp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("collection", help="a collection name from params.yaml")
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    if args.collection not in params.collections:
        raise ConfigError(f"no collection {args.collection!r} in params.yaml")
    section = params.section("nlp")
    config = config_from_params(section, args.collection)
    documents = STAGED / args.collection / "documents.parquet"
    if not documents.exists():
        raise ConfigError(f"{documents} is missing: run `dvc repro ingest@{args.collection}` first")
    metrics = run(
        args.collection,
        documents,
        NLP / args.collection,
        config,
        default_language=str(section.get("default_language", "en")),
        dask_section=params.section("dask"),
    )
    write_report(metrics, REPORTS / "nlp" / f"{args.collection}.json")
    print(
        f"nlp {args.collection}: {metrics['n_documents']} documents, {metrics['n_tokens']} tokens "
        f"in {metrics['n_tasks']} tasks ({metrics['tokens_per_s']} tok/s overall, "
        f"{metrics['tokens_per_s_annotate']} tok/s annotating), languages "
        f"{sorted(metrics['pipelines'])}, fallbacks {metrics['fallbacks'] or 'none'}, "
        f"peak RSS per worker {metrics['peak_rss_mb']} MB"
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue nlp")
