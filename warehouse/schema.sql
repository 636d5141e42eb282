-- longue-durée warehouse layout, executed by warehouse/build.py after the Parquet inputs are
-- loaded into temporary tables `_src_<table>` (columns = the Arrow schemas in ingest/record.py
-- and models/schemas.py). Everything below is materialised: the file does not need the Parquet.
--
-- Tables
--   documents         one row per document (DOCUMENT_SCHEMA) + doc_idx, decade, century
--                     (decade/century = floor(year / 10|100) * 10|100: the 1800s are 1800-1899)
--                     + text_fingerprint (sha256 of the normalised text, null when too short) and
--                     duplicate_of (the canonical copy's doc_id when the text is a duplicate)
--   duplicates        doc_id, collection, duplicate_of, duplicate_of_collection, rule, n_copies,
--                     text_fingerprint: one row per duplicate copy (not the canonical one).
--                     Every count below and every query leaves these copies out by default.
--   pages, rejects, entities, doc_stats, doc_topics, topic_terms, topic_prevalence,
--   topic_period_terms (each topic's top terms re-estimated per period), periods,
--   neighbours, drift, association (Garg-style group associations per period),
--   doc_vectors (document embeddings, sif/doc2vec)  as written by the pipeline (empty when a stage has not run)
--   actors, actor_mentions  made by build.load_actors after this file (models/actors.py): one
--                     row per actor (person/org/place/role) and per mention with its linking rule
--   tokens            TOKEN_SCHEMA + doc_idx + gpos, sorted by (doc_idx, position). gpos is a
--                     global token position, contiguous inside a document, so the context of a
--                     hit is `gpos BETWEEN hit - w AND hit + w` (an equi-join on gpos + offset).
--   doc_index         doc_id -> doc_idx for every id seen in documents or tokens
--   doc_lengths       doc_idx, doc_id, n_tokens, n_alpha (alphabetic tokens: the denominator of
--                     relative frequencies; 0 for documents the NLP stage has not reached) and
--                     first_gpos: a document's tokens are first_gpos .. first_gpos + n_tokens - 1
--   terms             the term dictionary: term_id, field ('lemma' | 'text'), term (lowercased),
--                     is_alpha, is_stop, n_occurrences, n_docs; ids follow (field, term) order
--   term_positions    postings: term_id, gpos, doc_idx sorted by (term_id, gpos): every hit of a
--                     term is one contiguous run that zone maps find without scanning tokens
--   token_blocks      the token stream cut in blocks of 64 positions (block = gpos // 64) with
--                     texts, lemma_ids and text_ids as lists: a KWIC line or a collocate window
--                     reads one to three short rows instead of joining the tokens table
--   term_doc_counts   field, term, term_id, doc_idx, doc_id, n_occurrences
--   term_year_counts  term_id, year, kind, n_occurrences, n_docs: the term x year x kind cube of
--                     dated documents (collocate marginals, timelines without per-document data)
--   year_totals       year, kind, n_docs, n_tokens, n_alpha of dated documents
--                     (both: duplicate copies left out)
--   dependencies      the parse as arcs: doc_idx, gpos (dependent), head_gpos (NULL: head not in
--                     the document; = gpos: root), dep, lemma_id, head_lemma_id (term ids),
--                     pos, head_pos; one row per token with a head, sorted by (head_lemma_id,
--                     head_gpos): a term's dependents are one run that zone maps find
--   dependencies_by_dependent  the same rows sorted by (lemma_id, gpos): a term's own arcs
--   dependency_year_counts  side ('all' | 'child' | 'head'), dep, term_id, year, kind, n: the
--                     arcs of describe()'s relation labels per dependent ('child') or head
--                     ('head') lemma and in all ('all', term_id NULL), per year and kind of the
--                     dated canonical documents with words (describe()'s period baselines)
--
-- Views
--   documents_with_quality   date precision/certainty and OCR confidence band per document
--   corpus_summary           documents and tokens per kind and century (without duplicate copies)
--   rejects_summary          rejected files/records per collection, stage and reason
--   topic_labels             the five most probable terms of each topic
--
-- Macros (for the DuckDB CLI: `duckdb -readonly data/warehouse/longue.duckdb`)
--   SELECT * FROM relfreq('liberté');              per decade: count, total, per_million, n_docs
--   SELECT * FROM relfreq('Liberty', fld := 'text'); same on word forms instead of lemmas
--   SELECT * FROM relfreq('war', dups := true);    duplicate copies counted too
--   SELECT * FROM kwic('révolution');              keyword in context, 5 tokens each side
--   SELECT * FROM kwic('war', width := 10, fld := 'text');
--   SELECT * FROM docs_in(1870);                   documents dated in the 1870s
--   SELECT decade_of(1848);                        1840

CREATE TABLE doc_index AS
SELECT doc_id, CAST(row_number() OVER (ORDER BY doc_id) - 1 AS INTEGER) AS doc_idx
FROM (SELECT doc_id FROM _src_documents UNION SELECT doc_id FROM _src_tokens);

-- The same text in several documents (a novel in the sample and in a full collection, a FRUS
-- volume added twice): build.py fingerprints every text (warehouse/duplicates.py) into
-- _fingerprints; the canonical copy is the document of the collection listed first in the
-- registry (_collection_rank: params.yaml order), then the smallest doc_id. The others are rows here.
CREATE TABLE duplicates AS
WITH f AS (
    SELECT d.doc_id, d.collection, f.fingerprint,
           coalesce(r.collection_rank, 2147483647) AS collection_rank
    FROM _src_documents AS d
    JOIN _fingerprints AS f ON f.doc_id = d.doc_id
    LEFT JOIN _collection_rank AS r ON r.collection = d.collection
    WHERE f.fingerprint IS NOT NULL
), ranked AS (
    SELECT *,
           first_value(doc_id) OVER w AS canonical,
           first_value(collection) OVER w AS canonical_collection,
           row_number() OVER w AS copy,
           count(*) OVER (PARTITION BY fingerprint) AS n_copies
    FROM f
    WINDOW w AS (PARTITION BY fingerprint ORDER BY collection_rank, collection, doc_id)
)
SELECT doc_id, collection, canonical AS duplicate_of,
       canonical_collection AS duplicate_of_collection,
       CASE WHEN collection = canonical_collection THEN 'same collection, smaller doc_id'
            ELSE 'collection listed first' END AS rule,
       n_copies, fingerprint AS text_fingerprint
FROM ranked WHERE copy > 1
ORDER BY doc_id;

CREATE TABLE documents AS
SELECT i.doc_idx, d.*,
       CAST(floor(d.year / 10) * 10 AS INTEGER) AS decade,
       CAST(floor(d.year / 100) * 100 AS INTEGER) AS century,
       f.fingerprint AS text_fingerprint, x.duplicate_of
FROM _src_documents AS d JOIN doc_index AS i ON i.doc_id = d.doc_id
LEFT JOIN _fingerprints AS f ON f.doc_id = d.doc_id
LEFT JOIN duplicates AS x ON x.doc_id = d.doc_id
ORDER BY i.doc_idx;

DROP TABLE _fingerprints;
DROP TABLE _collection_rank;

-- doc_idx of the duplicate copies, left out of the corpus-wide counts below
CREATE TEMP TABLE _duplicate_idx AS
SELECT doc_idx FROM documents WHERE duplicate_of IS NOT NULL;

CREATE TABLE tokens AS
WITH ranked AS (
    SELECT i.doc_idx, s.*,
           row_number() OVER (PARTITION BY i.doc_idx ORDER BY s.position, s.start_char) - 1
               AS rank_in_doc
    FROM _src_tokens AS s JOIN doc_index AS i ON i.doc_id = s.doc_id
), offsets AS (
    SELECT doc_idx, sum(n) OVER (ORDER BY doc_idx) - n AS doc_start
    FROM (SELECT doc_idx, count(*) AS n FROM ranked GROUP BY doc_idx)
)
SELECT r.doc_id, r.doc_idx, CAST(o.doc_start + r.rank_in_doc AS BIGINT) AS gpos,
       r.* EXCLUDE (doc_id, doc_idx, rank_in_doc)
FROM ranked AS r JOIN offsets AS o ON o.doc_idx = r.doc_idx
ORDER BY gpos;

CREATE TABLE doc_lengths AS
SELECT i.doc_idx, i.doc_id,
       count(t.gpos) AS n_tokens,
       count(t.gpos) FILTER (WHERE t.is_alpha) AS n_alpha,
       min(t.gpos) AS first_gpos
FROM doc_index AS i LEFT JOIN tokens AS t ON t.doc_idx = i.doc_idx
GROUP BY i.doc_idx, i.doc_id
ORDER BY i.doc_idx;

-- is_alpha: some form of the term is alphabetic; is_stop: most occurrences were stop words;
-- n_occurrences and n_docs leave out duplicate copies (every term of every copy is listed)
CREATE TABLE terms AS
WITH _tokens_dup AS (
    SELECT t.lemma, t.text, t.is_alpha, t.is_stop, t.doc_idx, x.doc_idx IS NOT NULL AS dup
    FROM tokens AS t LEFT JOIN _duplicate_idx AS x ON x.doc_idx = t.doc_idx
)
SELECT CAST(row_number() OVER (ORDER BY field, term) AS INTEGER) AS term_id, *
FROM (
    SELECT 'lemma' AS field, lower(lemma) AS term,
           bool_or(coalesce(is_alpha, false)) AS is_alpha,
           avg(CAST(coalesce(is_stop, false) AS INTEGER)) >= 0.5 AS is_stop,
           count(*) FILTER (WHERE NOT dup) AS n_occurrences,
           count(DISTINCT doc_idx) FILTER (WHERE NOT dup) AS n_docs
    FROM _tokens_dup WHERE lemma IS NOT NULL AND lemma <> '' GROUP BY ALL
    UNION ALL
    SELECT 'text' AS field, lower(text) AS term,
           bool_or(coalesce(is_alpha, false)) AS is_alpha,
           avg(CAST(coalesce(is_stop, false) AS INTEGER)) >= 0.5 AS is_stop,
           count(*) FILTER (WHERE NOT dup) AS n_occurrences,
           count(DISTINCT doc_idx) FILTER (WHERE NOT dup) AS n_docs
    FROM _tokens_dup GROUP BY ALL
)
ORDER BY term_id;

CREATE TEMP TABLE _token_ids AS
SELECT t.gpos, t.doc_idx, l.term_id AS lemma_id, w.term_id AS text_id
FROM tokens AS t
LEFT JOIN (SELECT term_id, term FROM terms WHERE field = 'lemma') AS l
    ON l.term = lower(t.lemma)
JOIN (SELECT term_id, term FROM terms WHERE field = 'text') AS w ON w.term = lower(t.text);

CREATE TABLE term_positions AS
SELECT term_id, gpos, doc_idx FROM (
    SELECT lemma_id AS term_id, gpos, doc_idx FROM _token_ids WHERE lemma_id IS NOT NULL
    UNION ALL
    SELECT text_id AS term_id, gpos, doc_idx FROM _token_ids
)
ORDER BY term_id, gpos;

CREATE TABLE token_blocks AS
SELECT b.block, b.texts, i.lemma_ids, i.text_ids
FROM (
    SELECT gpos // 64 AS block, list(text ORDER BY gpos) AS texts FROM tokens GROUP BY block
) AS b
JOIN (
    SELECT gpos // 64 AS block, list(lemma_id ORDER BY gpos) AS lemma_ids,
           list(text_id ORDER BY gpos) AS text_ids
    FROM _token_ids GROUP BY block
) AS i ON i.block = b.block
ORDER BY b.block;

-- The dependency parse as arcs (describe()): one row per token with a head (tokens of
-- documents no parser reached have none), with the gpos of its head token (found by doc_idx +
-- position, as positions may have gaps; NULL when the head position is not in the document;
-- = gpos for a root) and both lemma ids. Two orderings, so that the arcs of a target are one
-- zone-map-pruned run whichever end it is: by the head's lemma id (its dependents: the
-- adjectives modifying it) and by the dependent's lemma id (its own arc: the verb it is subject
-- or object of; a phrase's node is found here too).
CREATE TEMP TABLE _arcs AS
SELECT c.doc_idx, c.gpos, p.gpos AS head_gpos, c.dep, ci.lemma_id, pi.lemma_id AS head_lemma_id,
       c.pos, p.pos AS head_pos
FROM tokens AS c
JOIN _token_ids AS ci ON ci.gpos = c.gpos
LEFT JOIN tokens AS p ON p.doc_idx = c.doc_idx AND p.position = c.head
LEFT JOIN _token_ids AS pi ON pi.gpos = p.gpos
WHERE c.head IS NOT NULL;

CREATE TABLE dependencies AS SELECT * FROM _arcs ORDER BY head_lemma_id, head_gpos, gpos;
CREATE TABLE dependencies_by_dependent AS SELECT * FROM _arcs ORDER BY lemma_id, gpos;

-- The period baselines of describe(): arcs of the relation labels describe() reads (see
-- warehouse/describe.py RELATIONS), non-root, per year and kind of the dated canonical documents
-- with words. side 'all': every arc of the label (term_id NULL); 'child': per dependent lemma;
-- 'head': per head lemma (head found in the document).
CREATE TABLE dependency_year_counts AS
WITH a AS (
    SELECT d.year, d.kind, x.dep, x.lemma_id, x.head_lemma_id
    FROM _arcs AS x
    JOIN documents AS d ON d.doc_idx = x.doc_idx
    JOIN doc_lengths AS l ON l.doc_idx = x.doc_idx
    WHERE d.year IS NOT NULL AND d.duplicate_of IS NULL AND l.n_alpha > 0
      AND (x.head_gpos IS NULL OR x.head_gpos <> x.gpos)
      AND x.dep IN ('amod', 'nsubj', 'nsubj:pass', 'nsubjpass', 'obj', 'dobj', 'iobj',
                    'dative', 'appos', 'conj')
)
SELECT side, dep, term_id, year, kind, n FROM (
    SELECT 'all' AS side, dep, CAST(NULL AS INTEGER) AS term_id, year, kind, count(*) AS n
    FROM a GROUP BY ALL
    UNION ALL
    SELECT 'child', dep, lemma_id, year, kind, count(*) FROM a
    WHERE lemma_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'head', dep, head_lemma_id, year, kind, count(*) FROM a
    WHERE head_lemma_id IS NOT NULL GROUP BY ALL
)
ORDER BY term_id, side, dep, year, kind;

DROP TABLE _arcs;
DROP TABLE _token_ids;
DROP TABLE _duplicate_idx;

CREATE TABLE term_doc_counts AS
SELECT m.field, m.term, c.term_id, c.doc_idx, i.doc_id, c.n_occurrences
FROM (
    SELECT term_id, doc_idx, count(*) AS n_occurrences FROM term_positions GROUP BY ALL
) AS c
JOIN terms AS m ON m.term_id = c.term_id
JOIN doc_index AS i ON i.doc_idx = c.doc_idx
ORDER BY m.field, m.term, c.doc_idx;

CREATE TABLE term_year_counts AS
SELECT c.term_id, d.year, d.kind, CAST(sum(c.n_occurrences) AS BIGINT) AS n_occurrences,
       count(*) AS n_docs
FROM term_doc_counts AS c JOIN documents AS d ON d.doc_idx = c.doc_idx
WHERE d.year IS NOT NULL AND d.duplicate_of IS NULL
GROUP BY ALL
ORDER BY c.term_id, d.year, d.kind;

CREATE TABLE year_totals AS
SELECT d.year, d.kind, count(*) AS n_docs, CAST(sum(l.n_tokens) AS BIGINT) AS n_tokens,
       CAST(sum(l.n_alpha) AS BIGINT) AS n_alpha
FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx
WHERE d.year IS NOT NULL AND d.duplicate_of IS NULL
GROUP BY ALL
ORDER BY d.year, d.kind;

CREATE TABLE pages AS SELECT * FROM _src_pages ORDER BY doc_id, page_number;
CREATE TABLE rejects AS SELECT * FROM _src_rejects ORDER BY collection, stage, source_path;
CREATE TABLE entities AS SELECT * FROM _src_entities ORDER BY doc_id, start_char;
CREATE TABLE doc_stats AS SELECT * FROM _src_doc_stats ORDER BY doc_id;
CREATE TABLE doc_topics AS SELECT * FROM _src_doc_topics ORDER BY doc_id, topic;
CREATE TABLE topic_terms AS SELECT * FROM _src_topic_terms ORDER BY topic, rank;
CREATE TABLE topic_prevalence AS SELECT * FROM _src_topic_prevalence ORDER BY topic, period_start;
CREATE TABLE topic_period_terms AS
    SELECT * FROM _src_topic_period_terms ORDER BY topic, period_start, rank;
CREATE TABLE periods AS SELECT * FROM _src_periods ORDER BY period_start;
CREATE TABLE neighbours AS SELECT * FROM _src_neighbours ORDER BY word, period, rank;
CREATE TABLE drift AS SELECT * FROM _src_drift ORDER BY word, from_period, to_period;
CREATE TABLE association AS
    SELECT * FROM _src_association ORDER BY target, group_a, group_b, measure, period_start;
CREATE TABLE doc_vectors AS SELECT * FROM _src_doc_vectors ORDER BY method, doc_id;

CREATE VIEW documents_with_quality AS
SELECT d.doc_id, d.collection, d.kind, d.title, d.year, d.decade, d.century, d.language,
       d.date_text, d.date_precision, d.date_approximate,
       CASE
           WHEN d.year IS NULL THEN 'undated'
           WHEN d.date_approximate THEN 'approximate'
           WHEN d.date_precision IN ('day', 'month', 'year') THEN 'exact'
           ELSE 'coarse'
       END AS date_quality,
       d.ocr_confidence,
       CASE
           WHEN d.ocr_confidence IS NULL THEN 'not ocr'
           WHEN d.ocr_confidence >= 0.9 THEN 'high'
           WHEN d.ocr_confidence >= 0.7 THEN 'medium'
           ELSE 'low'
       END AS ocr_band,
       d.n_words, l.n_tokens, l.n_alpha, d.duplicate_of
FROM documents AS d LEFT JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx;

CREATE VIEW corpus_summary AS
SELECT d.kind, d.century, count(*) AS n_docs, CAST(sum(l.n_tokens) AS BIGINT) AS n_tokens,
       CAST(sum(l.n_alpha) AS BIGINT) AS n_alpha, min(d.year) AS first_year, max(d.year) AS last_year
FROM documents AS d LEFT JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx
WHERE d.duplicate_of IS NULL
GROUP BY d.kind, d.century
ORDER BY d.kind, d.century;

CREATE VIEW rejects_summary AS
SELECT collection, stage, reason, count(*) AS n_rejects
FROM rejects GROUP BY ALL ORDER BY collection, stage, n_rejects DESC;

CREATE VIEW topic_labels AS
SELECT topic, string_agg(term, ', ' ORDER BY rank) AS label
FROM topic_terms WHERE rank <= 5 GROUP BY topic ORDER BY topic;

CREATE MACRO decade_of(y) AS CAST(floor(y / 10) * 10 AS INTEGER);

CREATE MACRO relfreq(word, fld := 'lemma', dups := false) AS TABLE
WITH totals AS (
    SELECT d.decade, CAST(sum(l.n_alpha) AS BIGINT) AS total, count(*) AS n_docs
    FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx
    WHERE d.decade IS NOT NULL AND l.n_alpha > 0 AND (dups OR d.duplicate_of IS NULL)
    GROUP BY d.decade
), hits AS (
    SELECT d.decade, CAST(sum(c.n_occurrences) AS BIGINT) AS n, count(*) AS n_docs_with_term
    FROM term_doc_counts AS c JOIN documents AS d ON d.doc_idx = c.doc_idx
    WHERE c.field = fld AND c.term = lower(word) AND (dups OR d.duplicate_of IS NULL)
    GROUP BY d.decade
)
SELECT lower(word) AS term, t.decade, coalesce(h.n, 0) AS count, t.total,
       1e6 * coalesce(h.n, 0) / t.total AS per_million, t.n_docs,
       coalesce(h.n_docs_with_term, 0) AS n_docs_with_term
FROM totals AS t LEFT JOIN hits AS h ON h.decade = t.decade
ORDER BY t.decade;

CREATE MACRO kwic(word, width := 5, fld := 'lemma', dups := false) AS TABLE
WITH hits AS (
    SELECT p.doc_idx, p.gpos AS hit
    FROM term_positions AS p JOIN terms AS m ON m.term_id = p.term_id
    WHERE m.field = fld AND m.term = lower(word)
      AND (dups OR p.doc_idx NOT IN (SELECT doc_idx FROM documents WHERE duplicate_of IS NOT NULL))
), context AS (
    SELECT h.doc_idx, h.hit, c.gpos, c.text
    FROM hits AS h
    CROSS JOIN range(-width, width + 1) AS r(off)
    JOIN tokens AS c ON c.gpos = h.hit + r.off AND c.doc_idx = h.doc_idx
)
SELECT d.doc_id, d.title, d.year, d.kind,
       string_agg(x.text, ' ' ORDER BY x.gpos) FILTER (WHERE x.gpos < x.hit) AS "left",
       max(x.text) FILTER (WHERE x.gpos = x.hit) AS "match",
       string_agg(x.text, ' ' ORDER BY x.gpos) FILTER (WHERE x.gpos > x.hit) AS "right"
FROM context AS x JOIN documents AS d ON d.doc_idx = x.doc_idx
GROUP BY d.doc_id, d.title, d.year, d.kind, x.hit
ORDER BY d.year, d.doc_id, x.hit;

CREATE MACRO docs_in(dec, dups := false) AS TABLE
SELECT doc_id, collection, kind, title, authors, year, date_text, language, n_words
FROM documents WHERE decade = dec AND (dups OR duplicate_of IS NULL)
ORDER BY year, doc_id;
