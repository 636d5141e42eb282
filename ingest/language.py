"""Language identification for records that do not declare one (py3langid ships its model)."""

from __future__ import annotations

from functools import cache
from typing import Any

# ISO 639-2/3 codes that sources write, mapped to the ISO 639-1 codes records carry.
_ISO3 = {
    "fre": "fr",
    "fra": "fr",
    "eng": "en",
    "ger": "de",
    "deu": "de",
    "ita": "it",
    "lat": "la",
    "spa": "es",
    "dut": "nl",
    "nld": "nl",
    "ltz": "lb",
    "por": "pt",
}


def normalise_code(code: str | None) -> str | None:
    """'fre', 'FR', 'fr-FR', 'en_GB' -> ISO 639-1 ('fr', 'en'); None when empty."""
    if not code:
        return None
    c = code.strip().lower().replace("_", "-").split("-")[0]
    return _ISO3.get(c, c if len(c) == 2 else None)


@cache
def _identifier(langs: tuple[str, ...] | None) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if langs:
        ident.set_languages(list(langs))
    return ident


def detect(
    text: str, candidates: tuple[str, ...] | None = None, sample_chars: int = 5000
) -> tuple[str | None, float]:
    """Return (ISO 639-1 code, probability) for `text`; (None, 0.0) when there is no text."""
    sample = text[:sample_chars].strip()
    if len(sample) < 20:
        return None, 0.0
    code, prob = _identifier(candidates).classify(sample)
    return str(code), float(prob)
