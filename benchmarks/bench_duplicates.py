"""The same text twice (issue 20) on real data: the sample collections of data/raw next to the
full bench corpora that contain them, through the real adapters and the warehouse build.

    nice -n 10 .venv/bin/python benchmarks/bench_duplicates.py [--cache /tmp/dedup-bench]
        [--skip-tate] [--out F.json]

Collections, in this registry order: the sample's eltec-eng, eltec-fra and frus (data/raw), then
ELTeC-eng, ELTeC-fra and FRUS from /work/shared/bench (bench/README.md), Tate's 68 k artwork
records (catalogue texts that distinct objects share: the false-positive check) and their first
5,000 again as another collection (a dump added twice). Staged documents are cached as Parquet in
--cache; the warehouse build (documents only) is timed and its duplicates reported, with what the
text alone would have merged inside each collection.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import get_adapter  # noqa: E402
from ingest.record import Record, to_table  # noqa: E402
from warehouse.build import build  # noqa: E402
from warehouse.duplicates import MIN_CHARS, document_fingerprint, fingerprint  # noqa: E402

logger = logging.getLogger(__name__)

BENCH = ROOT.parent / "shared" / "bench"
RAW = ROOT / "data" / "raw"


def collections(cache: Path, with_tate: bool) -> list[tuple[str, str, str, Path, dict[str, Any]]]:
    """(collection, format, kind, root, options) in registry order; archives extracted once."""
    for name in ("eltec-eng", "eltec-fra", "frus"):
        if not (cache / name).is_dir():
            with tarfile.open(BENCH / f"{name}.tar.gz") as tar:
                tar.extractall(cache, filter="data")
    out = [
        ("eltec-eng", "tei", "book", RAW / "eltec" / "eng", {"profile": "eltec"}),
        ("eltec-fra", "tei", "book", RAW / "eltec" / "fra", {"profile": "eltec"}),
        ("frus", "tei", "cable", RAW / "frus", {"profile": "frus"}),
        ("bench-eltec-eng", "tei", "book", cache / "eltec-eng", {"profile": "eltec"}),
        ("bench-eltec-fra", "tei", "book", cache / "eltec-fra", {"profile": "eltec"}),
        ("bench-frus", "tei", "cable", cache / "frus", {"profile": "frus"}),
    ]
    if with_tate:
        tate = cache / "tate"
        tate.mkdir(exist_ok=True)
        link = tate / "artworks.jsonl.gz"
        if not link.exists():
            link.symlink_to(BENCH / "tate-artworks.jsonl.gz")
        out.append(("bench-tate", "tate", "museum", tate, {}))
    return out


def stage(collection: str, fmt: str, kind: str, root: Path, options: dict[str, Any], out: Path):
    """documents.parquet of one collection through its adapter (cached)."""
    path = out / collection / "documents.parquet"
    if path.exists():
        return path
    adapter = get_adapter(fmt)
    started = time.perf_counter()
    records = [
        item
        for source in adapter.find(root, **options)
        for item in adapter.parse(source, root=root, collection=collection, kind=kind, **options)
        if isinstance(item, Record)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_table(records, Record), path)
    logger.info(
        "%s: %d documents in %.1f s", collection, len(records), time.perf_counter() - started
    )
    return path


def copy_slice(path: Path, collection: str, n: int, out: Path) -> Path:
    """The first n documents of a staged file as another collection (same local ids): a dump
    added twice."""
    table = pq.read_table(path).slice(0, n)
    local = [d.split(":", 1)[1] for d in table.column("doc_id").to_pylist()]
    table = table.set_column(
        table.schema.get_field_index("doc_id"),
        "doc_id",
        pa.array([f"{collection}:{x}" for x in local]),
    ).set_column(
        table.schema.get_field_index("collection"),
        "collection",
        pa.array([collection] * len(local)),
    )
    target = out / collection / "documents.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)
    return target


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/dedup-bench"))
    ap.add_argument("--skip-tate", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.cache.mkdir(parents=True, exist_ok=True)
    registry = collections(args.cache, not args.skip_tate)
    files = [stage(*c, args.cache / "staged") for c in registry]
    order = [c[0] for c in registry]

    if not args.skip_tate:
        files.append(copy_slice(files[-1], "bench-tate-again", 5000, args.cache / "staged"))
        order.append("bench-tate-again")
    tables = [pq.read_table(f, columns=["doc_id", "collection", "kind", "text"]) for f in files]
    rows = [
        (d, c, k, t)
        for table in tables
        for d, c, k, t in zip(
            *(table.column(n).to_pylist() for n in table.column_names), strict=True
        )
    ]
    n_chars = sum(len(t or "") for *_, t in rows)
    started = time.perf_counter()
    for d, _, k, t in rows:
        document_fingerprint(d, k, t, MIN_CHARS)
    fp_s = time.perf_counter() - started
    # what the text alone (no length floor, no accession number) would merge inside a collection
    text_only = Counter((c, fingerprint(t, 0)) for _, c, _, t in rows if t)
    text_only_collisions = {
        c: sum(n - 1 for (cc, _), n in text_only.items() if cc == c and n > 1) for c in order
    }

    db = args.cache / "warehouse" / "dedup.duckdb"
    started = time.perf_counter()
    counts = build(db, {"documents": files}, collections=order)
    build_s = time.perf_counter() - started
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    pairs = con.execute(
        "SELECT collection, duplicate_of_collection, count(*) FROM duplicates "
        "GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    per_collection = dict(
        con.execute("SELECT collection, count(*) FROM documents GROUP BY 1").fetchall()
    )
    examples = con.execute(
        "SELECT doc_id, duplicate_of FROM duplicates WHERE collection <> duplicate_of_collection "
        "AND collection LIKE 'bench-eltec%' ORDER BY doc_id"
    ).fetchall()
    within = con.execute(
        "SELECT doc_id, duplicate_of, n_copies FROM duplicates "
        "WHERE collection = duplicate_of_collection ORDER BY doc_id LIMIT 10"
    ).fetchall()
    con.close()
    report = {
        "documents": {c: int(per_collection.get(c, 0)) for c in order},
        "n_chars": n_chars,
        "fingerprint_s": round(fp_s, 2),
        "fingerprint_mb_per_s": round(n_chars / 1e6 / fp_s, 1),
        "build_documents_only_s": round(build_s, 2),
        "n_duplicates": counts["duplicates"],
        "duplicates_by_pair": [
            {"collection": a, "duplicate_of_collection": b, "n": n} for a, b, n in pairs
        ],
        "eltec_examples": examples,
        "within_collection_examples": within,
        "text_only_collisions_within_collection": text_only_collisions,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
