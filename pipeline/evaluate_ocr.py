"""Stage `evaluate_ocr`: CER/WER of the OCR against ground truth, per source and overall.

    python -m pipeline.evaluate_ocr                       # the DVC stage: reports/evaluate_ocr.json
    python -m pipeline.evaluate_ocr --shared ../shared/corpora/ocr \
        --preprocess none,grayscale,binarize --languages fra,frk+fra --out /tmp/cmp.json

Three kinds of source (metrics as in https://ocr-d.de/en/spec/ocrd_eval):
- params.yaml `evaluate.ocr.<collection>.ground_truth`: the pipeline's own OCR of a collection
  (data/staged/<collection>/pages.parquet), paired with `<stem>.gt.txt|.txt|.xml` by image name;
- `evaluate.ocr_sets.<name>`: folders of ground-truth images OCRed here, directly, with
  ingest.tesseract (`images`, optional `ground_truth`, `languages`, `psm`, `preprocess`, `long_s`);
- `evaluate.ocr_shared`: a path to ../shared/corpora/ocr (null by default, so the pipeline never
  needs it): the full OCR17 sets, the Tesseract test pages and the BnL blocks, OCRed here too.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ingest import tesseract
from models.ocr_eval import aggregate, evaluate, find_ground_truth, find_pairs, read_ground_truth
from pipeline.errors import configure_logging, exit_with
from pipeline.io import write_json
from pipeline.params import REPORTS, ROOT, STAGED, ConfigError, load_params

logger = logging.getLogger(__name__)

SET_KEYS = {"images", "ground_truth", "languages", "psm", "preprocess", "long_s", "dpi"}


@dataclass(frozen=True)
class GroundTruthSet:
    """A folder of page or line images with their ground truth, and how to OCR them."""

    name: str
    images: Path
    ground_truth: Path | None = None
    languages: str = "fra"
    psm: int = 3
    preprocess: str = tesseract.OPTIONS["preprocess"]
    long_s: str = "none"
    dpi: int | None = None


# The shared OCR ground truth (../shared/corpora/ocr, see its SOURCES.md), relative to its root.
# OCR17 lines are single text lines (psm 7); languages as measured best (benchmarks/README.md).
SHARED_SETS = (
    GroundTruthSet(
        "ocr17-descartes1637",
        Path("ocr17/Training_data/72dpi/Descartes1637_Discours_btv1b86069594_corrected/extracted"),
        languages="fra",
        psm=7,
        long_s="lexicon",
    ),
    GroundTruthSet(
        "ocr17-pascal1647",
        Path("ocr17/Training_data/400dpi/Pascal1647_Experiences_btv1b8626186t/extracted_cleaned"),
        languages="fra",
        psm=7,
        long_s="lexicon",
    ),
    GroundTruthSet(
        "ocr17-xvi", Path("ocr17/Testing_data/XVI"), languages="fra", psm=7, long_s="lexicon"
    ),
    GroundTruthSet("ocr17-xix", Path("ocr17/Testing_data/XIX"), languages="fra", psm=7),
    GroundTruthSet("tesseract-test", Path("tesseract-test"), languages="eng", psm=3),
    GroundTruthSet(
        "bnl-blocks",
        Path("bnl-textblocks/images"),
        Path("bnl-textblocks/gt"),
        languages="frk+fra",
        psm=3,
    ),
)


# The committed ground truth (data/raw/ocr-gt, data/raw/bnl-ocr), as params.yaml
# evaluate.ocr_sets should list it; the comparison mode (--preprocess/--languages) uses these.
COMMITTED_SETS = tuple(
    replace(
        spec,
        name=spec.name.replace("shared/", ""),
        images=ROOT / folder,
        ground_truth=ROOT / gt if gt else None,
    )
    for spec, folder, gt in (
        (SHARED_SETS[0], "data/raw/ocr-gt/ocr17/descartes1637", None),
        (SHARED_SETS[1], "data/raw/ocr-gt/ocr17/pascal1647", None),
        (SHARED_SETS[2], "data/raw/ocr-gt/ocr17/xvi", None),
        (SHARED_SETS[3], "data/raw/ocr-gt/ocr17/xix", None),
        (SHARED_SETS[5], "data/raw/bnl-ocr/images", "data/raw/bnl-ocr/gt"),
    )
)


def run(collection: str, staged: Path, ground_truth: Path) -> dict[str, Any]:
    """Pair each page the pipeline OCRed with its ground truth by image name and score it."""
    pages = pq.read_table(
        staged / "pages.parquet", columns=["doc_id", "page_number", "image_path", "text"]
    ).to_pylist()
    pairs, missing = [], []
    for page in pages:
        stem = Path(page["image_path"] or "").name.split(".")[0]
        gt = find_ground_truth(ground_truth, stem)
        if gt is None:
            missing.append(page["image_path"])
            continue
        pairs.append(
            (f"{page['doc_id']}#{page['page_number']}", read_ground_truth(gt), page["text"] or "")
        )
    result = evaluate(pairs)
    result["n_pages_without_ground_truth"] = len(missing)
    return result


def ocr_set(spec: GroundTruthSet, workers: int | None = None) -> list[tuple[str, str, str]]:
    """(id, reference, Tesseract's reading before any long-s correction) for every image of a
    set; Tesseract runs one thread each, `workers` at a time (default: one per core)."""
    pairs = find_pairs(spec.images, spec.ground_truth)
    if not pairs:
        raise ConfigError(
            f"ground-truth set {spec.name}: no image with ground truth in {spec.images}"
        )

    def read(pair: tuple[str, Path, Path]) -> tuple[str, str, str]:
        stem, image, gt = pair
        text = tesseract.ocr_text(image, spec.languages, spec.psm, spec.preprocess, spec.dpi)
        return f"{spec.name}:{stem}", read_ground_truth(gt), text

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(read, pairs))


def score_set(spec: GroundTruthSet, read: list[tuple[str, str, str]]) -> dict[str, Any]:
    """evaluate() of a set as configured, plus the summary under each long-s choice
    (`by_long_s`: the correction is post-processing, so both come from one OCR run)."""
    by_long_s: dict[str, dict[str, Any]] = {}
    for choice in tesseract.LONG_S:
        pairs = (
            read
            if choice == "none"
            else [(i, ref, tesseract.correct_long_s(hyp)[0]) for i, ref, hyp in read]
        )
        by_long_s[choice] = evaluate(pairs)
    result = dict(by_long_s[spec.long_s])
    result["settings"] = {
        "languages": spec.languages,
        "psm": spec.psm,
        "preprocess": spec.preprocess,
        "long_s": spec.long_s,
    }
    result["by_long_s"] = {k: {m: v[m] for m in v if m != "items"} for k, v in by_long_s.items()}
    return result


def parse_set(name: str, entry: Any, base: Path = ROOT) -> GroundTruthSet:
    """One `evaluate.ocr_sets` entry; bad values fail with the key to fix."""
    where = f"params.yaml evaluate.ocr_sets.{name}"
    if not isinstance(entry, dict) or "images" not in entry:
        raise ConfigError(f"{where}: give at least `images: <folder>`")
    unknown = set(entry) - SET_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed {sorted(SET_KEYS)}")
    spec = GroundTruthSet(
        name,
        (base / str(entry["images"])).resolve(),
        (base / str(entry["ground_truth"])).resolve() if entry.get("ground_truth") else None,
        str(entry.get("languages", "fra")),
        int(entry.get("psm", 3)),
        str(entry.get("preprocess", tesseract.OPTIONS["preprocess"])),
        str(entry.get("long_s", "none")),
        entry.get("dpi"),
    )
    check_set(spec, where)
    return spec


def check_set(spec: GroundTruthSet, where: str) -> None:
    for folder in (spec.images, spec.ground_truth):
        if folder is not None and not folder.is_dir():
            raise ConfigError(f"{where}: {folder} is not a folder")
    if spec.preprocess not in tesseract.PREPROCESS:
        raise ConfigError(f"{where}: preprocess {spec.preprocess!r} not in {tesseract.PREPROCESS}")
    if spec.long_s not in tesseract.LONG_S:
        raise ConfigError(f"{where}: long_s {spec.long_s!r} not in {tesseract.LONG_S}")


def shared_sets(root: Path) -> list[GroundTruthSet]:
    """SHARED_SETS under `root` (../shared/corpora/ocr); those whose folder is absent are left out
    with a warning."""
    found = []
    for spec in SHARED_SETS:
        gt = root / spec.ground_truth if spec.ground_truth else None
        moved = replace(
            spec, name=f"shared/{spec.name}", images=root / spec.images, ground_truth=gt
        )
        if moved.images.is_dir():
            found.append(moved)
        else:
            logger.warning("shared OCR set %s: %s not found, left out", spec.name, moved.images)
    return found


def evaluate_sets(specs: list[GroundTruthSet]) -> dict[str, dict[str, Any]]:
    """OCR and score every set, one after the other (each set uses every core)."""
    results = {}
    for spec in specs:
        results[spec.name] = score_set(spec, ocr_set(spec))
        r = results[spec.name]
        print(
            f"evaluate_ocr {spec.name}: CER {r['cer']:.4f} WER {r['wer']:.4f} "
            f"long s {r['long_s_as_f']}/{r['n_long_s']} read as f",
            flush=True,
        )
    return results


def compare(specs: list[GroundTruthSet], axes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Score every set under every combination of settings (e.g. preprocess x languages)."""
    rows = []
    names = list(axes)
    for combo in itertools.product(*(axes[n] for n in names)):
        changes = dict(zip(names, combo, strict=True))
        for spec in specs:
            result = score_set(replace(spec, **changes), ocr_set(replace(spec, **changes)))
            for choice, summary in result["by_long_s"].items():
                rows.append(
                    {
                        "set": spec.name,
                        **changes,
                        "long_s": choice,
                        **{
                            k: summary[k]
                            for k in (
                                "n_items",
                                "cer",
                                "wer",
                                "cer_long_s_folded",
                                "n_long_s",
                                "long_s_as_f",
                                "spurious_long_s",
                            )
                        },
                    }
                )
            print(
                f"compare {spec.name} {changes}: CER none {result['by_long_s']['none']['cer']:.4f}"
                f" lexicon {result['by_long_s']['lexicon']['cer']:.4f}",
                flush=True,
            )
    return rows


def format_table(rows: list[dict[str, Any]], axes: list[str]) -> str:
    """Markdown table: one row per set and setting, CER/WER (and long s) per long-s choice."""
    lines = [
        f"| set | {' | '.join(axes)} | long_s | lines/pages | CER | WER | CER ſ=s "
        "| ſ→f / ſ | spurious ſ |",
        "|---|" + "---|" * (len(axes) + 7),
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {' | '.join(str(r[a]) for a in axes)} | {r['long_s']} | "
            f"{r['n_items']} | {r['cer']:.4f} | {r['wer']:.4f} | "
            f"{r['cer_long_s_folded']:.4f} | {r['long_s_as_f']}/{r['n_long_s']} | "
            f"{r['spurious_long_s']} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="longue evaluate-ocr",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--shared", type=Path, help="../shared/corpora/ocr: add the full sets")
    parser.add_argument("--preprocess", help="compare these, comma-separated")
    parser.add_argument("--languages", help="compare these Tesseract language strings")
    parser.add_argument(
        "--only-shared", action="store_true", help="with --shared: leave out the committed sets"
    )
    parser.add_argument("--out", type=Path, help="where a comparison (or report) is written")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    params = load_params()
    section = params.section("evaluate")
    specs = [parse_set(name, entry) for name, entry in (section.get("ocr_sets") or {}).items()]
    shared_root = args.shared or section.get("ocr_shared")
    shared: list[GroundTruthSet] = []
    if shared_root:
        root = (ROOT / str(shared_root)).resolve()
        if root.is_dir():
            shared = shared_sets(root)
        else:  # opt-in data that may be absent on this machine: say so, never fail the stage
            logger.warning("evaluate.ocr_shared: %s not found; shared sets left out", root)

    axes: dict[str, list[Any]] = {
        name: value.split(",")
        for name, value in (("preprocess", args.preprocess), ("languages", args.languages))
        if value
    }
    if axes:
        committed = [] if args.only_shared else list(COMMITTED_SETS)
        rows = compare(committed + shared, axes)
        print(format_table(rows, list(axes)))
        if args.out:
            write_json({"axes": axes, "rows": rows, "loadavg": os.getloadavg()}, args.out)
        return 0

    report: dict[str, Any] = {"collections": {}, "sets": {}}
    for name, entry in (section.get("ocr") or {}).items():
        if name not in params.collections:
            raise ConfigError(f"params.yaml evaluate.ocr.{name}: no such collection")
        gt = (ROOT / str(entry["ground_truth"])).resolve()
        if not gt.is_dir():
            raise ConfigError(f"params.yaml evaluate.ocr.{name}.ground_truth: {gt} is not a folder")
        result = run(name, STAGED / name, gt)
        report["collections"][name] = result
        print(f"evaluate_ocr {name}: CER {result['cer']:.4f}, WER {result['wer']:.4f}")
    report["sets"] = evaluate_sets(specs)
    if shared:
        report["shared"] = evaluate_sets(shared)
    sources = {**report["collections"], **report["sets"]}
    report["aggregate"] = aggregate(sources)
    if shared:
        report["aggregate_shared"] = aggregate(report["shared"])
    write_json(report, args.out or REPORTS / "evaluate_ocr.json")
    return 0


if __name__ == "__main__":
    exit_with(main, "longue evaluate-ocr")
