"""Stage `evaluate_ud`: lemma and UPOS accuracy of the nlp stage's pipelines on UD treebanks.

    python -m pipeline.evaluate_ud                      # reports/evaluate_ud.json
    python -m pipeline.evaluate_ud --ud ../shared/corpora/ud --out /tmp/ud.json --timing

Why: issue #15 ("lemmas and POS that a historian can count on") needs one reproducible number
per language for what the `nlp` stage really runs. Each language's pipeline is built exactly as
the nlp stage builds it (pipeline.nlp.config_from_params on params.yaml `nlp:`, then
models.nlp.load_pipeline, with the same historical normalisation), and every `*.conllu` in the
UD folder is scored by models.ud_eval (conventions in that module and in the report).

The folder is params.yaml `evaluate.ud` when that key exists, else ../shared/corpora/ud; when
it is absent the report says `skipped` with the reason and the stage exits 0 (the corpora are
optional). The report holds no timings or timestamps, so re-runs give the same file; `--timing`
adds words per second for a one-off measurement.
"""

from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path
from typing import Any

from models import nlp as nlp_models
from models import ud_eval
from pipeline.errors import configure_logging, exit_with
from pipeline.io import write_json
from pipeline.nlp import config_from_params
from pipeline.params import REPORTS, ROOT, load_params

logger = logging.getLogger(__name__)

DEFAULT_UD = ROOT.parent / "shared" / "corpora" / "ud"
OUT = REPORTS / "evaluate_ud.json"


def run(ud: Path, config: nlp_models.NlpConfig, timing: bool = False) -> dict[str, Any]:
    """Score every CoNLL-U file of `ud` with the nlp stage's pipeline for its language."""
    if not ud.is_dir():
        return {"skipped": f"{ud} is absent (the UD treebanks are optional)", "files": {}}
    files = sorted(ud.glob("*.conllu"))
    if not files:
        return {"skipped": f"{ud} holds no .conllu file", "files": {}}
    report: dict[str, Any] = {"files": {}, "pipelines": {}}
    for path in files:
        lang = ud_eval.language_of(path)
        nlp, desc = nlp_models.load_pipeline(lang, config)
        normalise = functools.partial(_normalise, steps=config.normalise, language=lang)
        result = ud_eval.evaluate(nlp, path, normalise=normalise, timing=timing)
        result.pop("conventions")
        result["language"] = lang
        report["files"][path.name] = result
        report["pipelines"][lang] = {
            k: desc[k] for k in ("loaded", "version", "fallback", "reason", "components")
        }
        logger.info(
            "%s (%s): upos %s, lemma all %s, content %s, alignment %s%s",
            path.name,
            desc["loaded"],
            result["upos"],
            result["lemma_all"],
            result["lemma_content"],
            result["alignment"],
            f", {result['words_per_second']} words/s" if timing else "",
        )
    report["conventions"] = ud_eval.CONVENTIONS
    return report


def _normalise(text: str, steps: tuple[str, ...], language: str) -> tuple[str, Any]:
    return nlp_models.normalise_text(text, steps, language)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue evaluate-ud",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--ud", type=Path, help="folder of .conllu files (default: params)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--timing", action="store_true", help="add words/s (not deterministic)")
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    config = config_from_params(params.section("nlp"))
    configured = (params.section("evaluate") or {}).get("ud")
    ud = args.ud or (ROOT / configured if configured else DEFAULT_UD)
    report = run(Path(ud), config, timing=args.timing)
    if "skipped" in report:
        logger.warning("evaluate_ud skipped: %s", report["skipped"])
    write_json(report, args.out)
    return 0


if __name__ == "__main__":
    exit_with(main, "longue evaluate-ud")
