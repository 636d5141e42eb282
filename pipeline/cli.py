"""`longue`: the command line. Each pipeline stage is a sub-command; `longue <cmd> --help` for more.

The DVC stages call the same modules (`python -m pipeline.<stage>`); run `dvc repro` to run only
what changed.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pipeline.params import ConfigError

COMMANDS = {
    "ingest": ("pipeline.ingest", "parse one collection's raw files into documents/pages/rejects"),
    "nlp": ("pipeline.nlp", "annotate one collection with spaCy on the Dask cluster"),
    "topics": ("pipeline.topics", "train the LDA topic model and topic prevalence over time"),
    "embeddings": ("pipeline.embeddings", "train aligned word2vec models per period, with drift"),
    "evaluate-ocr": ("pipeline.evaluate_ocr", "score OCRed collections against ground truth"),
    "train-ner": (
        "pipeline.train_ner",
        "train or fine-tune spaCy NER from HIPE TSV or .spacy annotations (--from-params)",
    ),
    "evaluate-ner": ("pipeline.evaluate_ner", "NER strict/fuzzy P/R/F1 on HIPE-2020 gold"),
    "evaluate-ud": ("pipeline.evaluate_ud", "lemma and UPOS accuracy on Universal Dependencies"),
    "warehouse": ("pipeline.warehouse", "build the DuckDB warehouse and the watch-terms plot"),
    "explore": (
        "pipeline.explore",
        "serve the warehouse in the browser: timelines, KWIC, documents, models (127.0.0.1)",
    ),
    "network-export": (
        "pipeline.network_export",
        "actor networks per period as GEXF, GraphML and CSV (sender_recipient, co_mention, agency)",
    ),
    "add-collection": (
        "pipeline.collections:add_main",
        "check a folder (format, sample parse) and register it in params.yaml",
    ),
    "validate": (
        "pipeline.collections:validate_main",
        "dry-run one collection's ingest: records and rejects by reason, nothing written",
    ),
    "status": (
        "pipeline.collections:status_main",
        "per collection: files, records, rejects, dates, languages, last run, DVC state",
    ),
    "remove-collection": (
        "pipeline.collections:remove_main",
        "remove (or --rename) a collection and its outputs",
    ),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="longue", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if argv[0] not in COMMANDS:
        parser.error(f"unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}")
    # "module" runs module.main; "module:function" runs that function
    module_name, _, function = COMMANDS[argv[0]][0].partition(":")
    entry = getattr(importlib.import_module(module_name), function or "main")
    try:
        return int(entry(argv[1:]) or 0)
    except ConfigError as exc:
        print(f"longue {argv[0]}: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
