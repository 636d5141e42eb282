"""What one extra C-level pass per document costs next to bare lxml iterparse (TEI, FRUS).

    .venv/bin/python benchmarks/floor_tei.py /tmp/longue-bench-ingest/frus-20mb.xml

Streams the file's `div`s like bench_ingest.py's baseline and, for each FRUS document, does one
of: nothing; `etree.tostring(method="text")`; the same text then split on spaces, or counted
with the records' word regex (`count_words`: every record needs `n_words`); a walk over every
element; a trivial XSLT 1.0 stylesheet (notes dropped, paragraph breaks, name markers). Each
mode runs in a fresh process and prints MB/s and the ratio to the bare run: the floor under any
rule-based renderer. The count mode also prints the time count_words takes per character and
per byte of XML.
Spec: https://lxml.de/parsing.html#iterparse-and-iterwalk , https://www.w3.org/TR/xslt-10/ .
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.record import count_words  # noqa: E402

TAG = "{http://www.tei-c.org/ns/1.0}div"
XSL = b"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
 xmlns:t="http://www.tei-c.org/ns/1.0">
<xsl:output method="text"/>
<xsl:template match="t:note"/>
<xsl:template match="t:p|t:head"><xsl:text>&#10;&#10;</xsl:text><xsl:apply-templates/>
</xsl:template>
<xsl:template match="t:persName|t:placeName|t:orgName"><xsl:text>[[</xsl:text><xsl:apply-templates/>
<xsl:text>]]</xsl:text></xsl:template>
</xsl:stylesheet>"""
MODES = ("none", "tostring", "tostring+split", "tostring+count", "iter", "xslt")


def run_mode(path: Path, mode: str) -> tuple[float, int, float]:
    """MB/s of iterparse plus `mode` on every FRUS document; for tostring+count also the
    characters counted and the seconds count_words took on them."""
    xslt = etree.XSLT(etree.XML(XSL))
    chars, counting = 0, 0.0
    started = time.perf_counter()
    for _event, el in etree.iterparse(
        str(path),
        events=("end",),
        tag=TAG,
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    ):
        if el.get("type") == "document":
            if mode == "tostring":
                etree.tostring(el, method="text", encoding=str)
            elif mode == "tostring+split":  # the cheapest Python pass over the text
                len(etree.tostring(el, method="text", encoding=str).split())
            elif mode == "tostring+count":  # the record's n_words (ingest.record.count_words)
                text = etree.tostring(el, method="text", encoding=str)
                t0 = time.perf_counter()
                count_words(text)
                counting += time.perf_counter() - t0
                chars += len(text)
            elif mode == "iter":
                for _ in el.iter():
                    pass
            elif mode == "xslt":
                str(xslt(el))
        el.clear(keep_tail=True)
        while el.getprevious() is not None:
            del el.getparent()[0]
    return path.stat().st_size / 1e6 / (time.perf_counter() - started), chars, counting


def main(argv: list[str]) -> int:
    if len(argv) == 2:  # child: one mode
        print(*run_mode(Path(argv[0]), argv[1]))
        return 0
    path = Path(argv[0])
    rates = {}
    for mode in MODES:
        out = subprocess.run(
            [sys.executable, __file__, str(path), mode], capture_output=True, text=True, check=True
        )
        rate, chars, counting = out.stdout.split()
        rates[mode] = float(rate)
        print(f"{mode:9} {rates[mode]:7.1f} MB/s  ratio {rates[mode] / rates['none']:.2f}")
        if int(chars):
            print(f"          count_words: {int(chars):,} characters, "
                  f"{float(counting) / int(chars) * 1e9:.1f} ns per character, "
                  f"{float(counting) / path.stat().st_size * 1e9:.1f} ns per byte of XML")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
