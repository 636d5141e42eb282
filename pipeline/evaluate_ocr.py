"""Stage `evaluate_ocr`: CER/WER of the OCRed collections against their ground truth.

    python -m pipeline.evaluate_ocr

params.yaml `evaluate.ocr.<collection>.ground_truth` names a folder holding, for each page image
`<stem>.<ext>`, its transcription: `<stem>.gt.txt`, `<stem>.txt` or ground-truth ALTO `<stem>.xml`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from models.ocr_eval import evaluate, read_ground_truth
from pipeline.errors import configure_logging, exit_with
from pipeline.io import write_json
from pipeline.params import REPORTS, ROOT, STAGED, ConfigError, load_params

logger = logging.getLogger(__name__)

GT_SUFFIXES = (".gt.txt", ".txt", ".xml")


def find_ground_truth(folder: Path, stem: str) -> Path | None:
    for suffix in GT_SUFFIXES:
        path = folder / f"{stem}{suffix}"
        if path.exists():
            return path
    return None


def run(collection: str, staged: Path, ground_truth: Path) -> dict[str, Any]:
    """Pair each OCRed page with its ground truth by image name and score it."""
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


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="longue evaluate-ocr", description=__doc__).parse_args(argv)
    configure_logging()
    params = load_params()
    section = params.section("evaluate").get("ocr") or {}
    report: dict[str, Any] = {}
    for name, entry in section.items():
        if name not in params.collections:
            raise ConfigError(f"params.yaml evaluate.ocr.{name}: no such collection")
        gt = (ROOT / str(entry["ground_truth"])).resolve()
        if not gt.is_dir():
            raise ConfigError(f"params.yaml evaluate.ocr.{name}.ground_truth: {gt} is not a folder")
        report[name] = run(name, STAGED / name, gt)
        print(f"evaluate_ocr {name}: CER {report[name].get('cer')}, WER {report[name].get('wer')}")
    write_json(report, REPORTS / "evaluate_ocr.json")
    return 0


if __name__ == "__main__":
    exit_with(main, "longue evaluate-ocr")
