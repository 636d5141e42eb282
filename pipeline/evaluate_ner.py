"""Stage `evaluate_ner`: named-entity quality of the nlp pipeline on historical newspaper gold.

    python -m pipeline.evaluate_ner                         # reports/evaluate_ner.json
    python -m pipeline.evaluate_ner --gold ../shared/corpora/ner/hipe2020/HIPE-data-v1.4-dev-fr.tsv
    python -m pipeline.evaluate_ner --compare --out /tmp/ner-compare.json
    python -m pipeline.evaluate_ner --model fr=fr_core_news_md --compare --out /tmp/md.json

Gold is CLEF-HIPE-2020 TSV (models.hipe): every *.tsv of params.yaml `evaluate.ner.gold` (a file
or a folder, relative to the repository), else of ../shared/corpora/ner/hipe2020. The data is
CC BY-NC and lives outside the repository only; when it is absent (a fresh machine) the report
says `skipped` with the reason and the stage succeeds.

Each file is annotated as the nlp stage annotates a collection: models.nlp.annotate with the
NlpConfig of params.yaml `nlp` (pipeline.nlp.config_from_params), on the text the gold tokens
spell, in the file's language, with the components params.yaml adds (the entity rules of
models.ner_rules among them). spaCy labels map to HIPE's coarse types with
models.hipe.SPACY_TO_HIPE; scores are strict and fuzzy micro P/R/F1 over pers/loc/org, overall
and per type. `--compare` scores the steps one at a time on the same files -- the stock model,
+ the configured normalisation, + the entity rules -- on all documents and on the even/odd
document halves (so a rule that only fits some documents shows). The JSON holds no timings
(they go to stderr), so two runs on the same inputs write the same bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from models import nlp as nlp_models
from models.hipe import TYPES, HipeDoc, Span, read_hipe, score, spans_from_entities
from models.ner_rules import COMPONENT, add_entity_rules
from pipeline.errors import configure_logging, exit_with
from pipeline.io import write_json
from pipeline.nlp import config_from_params
from pipeline.params import REPORTS, ROOT, ConfigError, load_params

logger = logging.getLogger(__name__)

DEFAULT_GOLD = ROOT.parent / "shared" / "corpora" / "ner" / "hipe2020"

# Published HIPE-2020 results on the held-out test sets, NERC coarse, literal sense, micro F1
# (Ehrmann et al. 2020, "Overview of CLEF HIPE 2020", CLEF 2020 LNCS 12260, table of NERC-coarse
# results); for context only: they are test-set figures, this stage scores the files it is given.
REFERENCE = {
    "source": "Ehrmann et al. 2020, Overview of CLEF HIPE 2020 (test sets, NERC coarse literal)",
    "best": {
        "fr": {"strict": 0.840, "fuzzy": 0.921},
        "de": {"strict": 0.797, "fuzzy": 0.878},
        "en": {"strict": 0.632, "fuzzy": 0.806},
    },
    "baseline": {"fr": {"strict": 0.646, "fuzzy": 0.769}},
}

VARIANTS = ("stock", "normalise", "rules")  # each adds one step to the one before


def gold_files(paths: Sequence[str] | None, section: dict[str, Any]) -> tuple[list[Path], str]:
    """The HIPE files to score and, when there are none, why (empty list + reason)."""
    if paths:
        files = [Path(p) for p in paths]
        missing = [str(p) for p in files if not p.exists()]
        if missing:
            raise ConfigError(f"evaluate_ner: gold file(s) not found: {', '.join(missing)}")
        return files, ""
    configured = section.get("gold")
    root = ROOT / str(configured) if configured else DEFAULT_GOLD
    if not root.exists():
        return [], f"{display_path(root)} not found (HIPE-2020 gold is not on this machine)"
    # a folder's training files (HIPE names them *-train-*) are what train_ner learns from:
    # scoring them measures memory, not quality, so only an explicit --gold scores them
    files = (
        [root]
        if root.is_file()
        else sorted(p for p in root.glob("*.tsv") if "-train-" not in p.name)
    )
    if not files:
        return [], f"no *.tsv file in {display_path(root)}"
    return files, ""


def file_language(path: Path, docs: list[HipeDoc], default: str) -> str:
    """The documents' `# language` (HIPE writes it per document), else the file name's suffix."""
    langs = {d.language for d in docs if d.language}
    if len(langs) == 1:
        return langs.pop()
    stem = path.stem.rsplit("-", 1)[-1]
    return stem if len(stem) == 2 and stem.isalpha() else default


def display_path(path: Path) -> str:
    """A path the same on every machine: relative to the repository's parent when below it."""
    resolved = path.resolve()
    for base in (ROOT, ROOT.parent):
        with contextlib.suppress(ValueError):
            return str(resolved.relative_to(base.resolve()))
    return path.name


@contextlib.contextmanager
def entity_rules(lang: str, config: nlp_models.NlpConfig, on: bool | None) -> Iterator[list[str]]:
    """The cached pipeline of `lang` with the entity rules as asked; yields its components.

    on=None: as params.yaml configures it (what the nlp stage runs). on=True/False: with or
    without the rules whatever params say; rules that load_pipeline put in are disabled for the
    duration, rules it did not are added for the duration and removed after, so the
    per-process pipeline cache that annotate() shares is left as it was found.
    """
    nlp, _desc = nlp_models.load_pipeline(lang, config)
    present = COMPONENT in nlp.pipe_names
    if on and not present:
        add_entity_rules(nlp)
    try:
        if present and on is False:
            with nlp.select_pipes(disable=[COMPONENT]):
                yield list(nlp.pipe_names)
        else:
            yield list(nlp.pipe_names)
    finally:
        if not present and COMPONENT in nlp.pipe_names:
            nlp.remove_pipe(COMPONENT)


def predict(
    docs: list[HipeDoc], lang: str, config: nlp_models.NlpConfig, rules: bool | None = None
) -> tuple[list[list[Span]], dict[str, Any]]:
    """HIPE spans predicted for each document, and what ran (model, components, fallback)."""
    with entity_rules(lang, config, rules) as components:
        triples = [(str(i), d.text, lang) for i, d in enumerate(docs)]
        _tokens, entities, _stats, described = nlp_models.annotate(triples, config, lang)
    by_doc: list[list[tuple[int, int, str]]] = [[] for _ in docs]
    for row in entities.select(["doc_id", "start_char", "end_char", "label"]).to_pylist():
        by_doc[int(row["doc_id"])].append((row["start_char"], row["end_char"], row["label"]))
    desc = described[0] if described else {}
    used = {
        "model": desc.get("loaded"),
        "version": desc.get("version"),
        "fallback": bool(desc.get("fallback")),
        "fallback_reason": desc.get("reason"),
        "components": components,
        "normalise": list(config.normalise),
    }
    return [spans_from_entities(e) for e in by_doc], used


def halves(gold: list[list[Span]], pred: list[list[Span]]) -> dict[str, Any]:
    """Scores of the even- and odd-numbered documents apart (a document-level split)."""
    out = {}
    for name, k in (("even", 0), ("odd", 1)):
        s = score(gold[k::2], pred[k::2])
        out[name] = {"strict": s["strict"], "fuzzy": s["fuzzy"]}
    return out


def variant_config(config: nlp_models.NlpConfig, variant: str) -> tuple[nlp_models.NlpConfig, bool]:
    """(config, rules on) of one --compare step."""
    if variant == "stock":
        return dataclasses.replace(config, normalise=()), False
    if variant == "normalise":
        return config, False
    return config, True


def evaluate_file(
    path: Path, config: nlp_models.NlpConfig, default_language: str, compare: bool
) -> dict[str, Any]:
    """The report entry of one HIPE file."""
    started = time.perf_counter()
    docs = read_hipe(path)
    lang = file_language(path, docs, default_language)
    gold = [d.spans for d in docs]
    pred, used = predict(docs, lang, config)  # exactly what the nlp stage runs
    result: dict[str, Any] = {
        "path": display_path(path),
        "language": lang,
        "n_docs": len(docs),
        "n_tokens": sum(len(d.words) for d in docs),
        "n_gold": sum(1 for g in gold for s in g if s.label in TYPES),
        **used,
        "ner": "ner" in used["components"],
        "scores": score(gold, pred),
    }
    if compare and result["ner"]:  # a pipeline without `ner` (blank fallback) finds nothing
        steps: dict[str, Any] = {}
        for variant in VARIANTS:
            cfg, rules = variant_config(config, variant)
            p, u = predict(docs, lang, cfg, rules)
            s = score(gold, p)
            steps[variant] = {
                "normalise": u["normalise"],
                "components": u["components"],
                "strict": s["strict"],
                "fuzzy": s["fuzzy"],
                "per_type": s["per_type"],
                "halves": halves(gold, p),
            }
        result["compare"] = steps
    s = result["scores"]
    print(
        f"evaluate_ner {path.name}: {lang}, {len(docs)} docs, model {used['model']}, "
        f"strict F1 {s['strict']['f1']:.3f}, fuzzy F1 {s['fuzzy']['f1']:.3f} "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return result


def run(
    files: list[Path], config: nlp_models.NlpConfig, default_language: str, compare: bool
) -> dict[str, Any]:
    """The whole report for these files (deterministic: no timings, paths machine-independent)."""
    return {
        "status": "ok",
        "types": list(TYPES),
        "column": "NE-COARSE-LIT",
        "models": dict(sorted(config.models.items())),
        "files": {
            display_path(p): evaluate_file(p, config, default_language, compare) for p in files
        },
        "reference": REFERENCE,
    }


def parse_models(items: Sequence[str]) -> dict[str, str]:
    """`--model fr=fr_core_news_md` overrides -> {language: package}."""
    out = {}
    for item in items:
        lang, sep, package = item.partition("=")
        if not sep or not lang or not package:
            raise ConfigError(f"--model {item!r}: write LANGUAGE=PACKAGE, e.g. fr=fr_core_news_md")
        out[lang.strip()] = package.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue evaluate-ner",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--gold", nargs="+", help="HIPE TSV files (default: params/../shared)")
    parser.add_argument("--out", type=Path, default=REPORTS / "evaluate_ner.json")
    parser.add_argument(
        "--compare", action="store_true", help="also score stock, +normalisation, +entity rules"
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="LANG=PACKAGE",
        help="use this spaCy package for a language instead of params.yaml nlp.models",
    )
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    section = params.section("nlp")
    config = config_from_params(section)
    overrides = parse_models(args.model)
    if overrides:
        config = dataclasses.replace(config, models={**config.models, **overrides})
    evaluate = params.section("evaluate")
    ner_section = evaluate.get("ner") or {}
    if not isinstance(ner_section, dict):
        raise ConfigError("params.yaml evaluate.ner must be a mapping, e.g. {gold: path}")
    files, reason = gold_files(args.gold, ner_section)
    if not files:
        print(f"evaluate_ner: skipped, {reason}", file=sys.stderr)
        write_json({"status": "skipped", "reason": reason, "reference": REFERENCE}, args.out)
        return 0
    report = run(files, config, str(section.get("default_language", "en")), args.compare)
    write_json(report, args.out)
    return 0


if __name__ == "__main__":
    exit_with(main, "longue evaluate-ner")
