"""Entity span rules after spaCy's `ner`: the mentions historians (and HIPE-style gold) expect.

The stock pipelines are trained on modern news (OntoNotes for English, WikiNER for French) and
draw person mentions without the title or function in front of the name: "Mr. [Seward]",
"Gen. [Jackson]", "le maréchal [Haig]", "M." and "[Henri Jetter]" as two entities. The
CLEF-HIPE-2020 annotation guidelines (Ehrmann et al. 2020, "Impresso named entity annotation
guidelines", section on person mentions and their `comp.title` / `comp.function` components)
include titles, honorifics and functions in the person mention, leave determiners out
("la France", "the United States" are annotated without the article), and annotate the
mention as it stands in the (OCRed) text, end-of-line hyphenation included ("Harri¬ son").

`longue_entity_rules` rewrites `doc.ents` with rules grounded in those conventions, each one
switchable in the component's config:

- strip: leading determiners, punctuation and one-letter OCR noise, trailing punctuation and
  possessives ("the United States" -> "United States", "Van Buren's" -> "Van Buren");
- drop_lowercase: drop entities with no capital letter at all (OCR fragments such as "moun¬",
  "injur¬ ed"); "lac de Neuchâtel" keeps its capital and stays;
- drop_numerals: drop a lone Roman numeral or single letter ("II", "I");
- join_hyphenated: an entity ending in an end-of-line hyphen takes the lowercase rest of its
  word ("Harri¬ son");
- places_after_prepositions: a bare name after "at", "in", "near", "à" that the model called a
  person, organisation or MISC is a place ("at Breda");
- extend_places: place nouns inside the mention ("Coosa river", "city of Springfield",
  "canton de Vaud") and "Essex county, Va." as one place (English);
- drop_generic_orgs: a one-word ORG that the tagger reads as a common noun ("le Parlement",
  "le Conseil") is a generic reference, not a name;
- drop_inhabitants: "l'Etat", "the State" alone are generic (GENERIC_PLACES); a one-word
  place that the tagger reads as a plural common noun ("les Suisses", "les Autrichiens", "les
  Confédérés") names inhabitants, which HIPE does not annotate; hyphenated and all-capital
  words ("Etats-Unis", "LONDRES") are kept;
- extend_titles: person entities (and entities a title now starts) take the titles,
  honorifics and functions before them ("Mr.", "Rev. Dr.", "le conseiller fédéral", "Herr Dr."),
  absorbing an entity made only of titles ("M." tagged on its own), with nobility titles also
  over a particle ("comte de [Chambord]", "Duke of [Wellington]");
- relabel_titled: an ORG/GPE/LOC/NORP/MISC entity that starts with a title becomes a person
  ("General Saunders" ORG -> PERSON);
- extend_functions: a function in apposition after a person's name ("E. A. Sherman, Auditor
  of Dakota Territory", "Louis Thorens, vice-président").

Measured on the HIPE-2020 dev sets (pipeline.evaluate_ner --compare; even/odd document halves,
the rules written while reading errors of the even half only): see the stage's report.

It works over `doc.ents` only (a few token look-ups per entity; about 1 us per token of text
on the dev sets, against some 250 us for the small pipelines), and sets `doc.ents` only when a
rule changed something. Word lists are per language (`nlp.lang`: en, fr, de); in another
language the rules that need no word list still run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

COMPONENT = "longue_entity_rules"


def _words(text: str) -> frozenset[str]:
    """A word list written as running text (easier to read and extend than a list literal)."""
    return frozenset(text.split())


# Titles, honorifics and functions that HIPE includes in a person mention, lowercased and
# without a final full stop ("Mr." and "Mr" both match "mr"). Functions that are also common
# nouns ("general", "président") are listed: the rule only fires when the word stands right
# before a person entity, where it is the person's title.
TITLES: dict[str, frozenset[str]] = {
    "en": _words("""mr mrs ms miss messrs mme mlle madame monsieur dr doctor rev reverend revd prof
        professor gen general col colonel capt captain maj major lieut lieutenant lt sergeant sgt
        corporal
        adm admiral commodore commander gov governor sen senator rep representative judge
        justice chief president secretary minister ambassador consul mayor sheriff attorney
        king queen prince princess duke duchess count countess earl marquis marquess baron
        baroness viscount lord lady sir dame emperor empress czar tsar sultan pope cardinal
        bishop archbishop father brother sister deacon elder citizen hon honorable honourable
        esq squire chancellor marshal field general-in-chief lieutenant-general major-general
        brigadier brig-gen superintendent commissioner auditor treasurer deputy alderman
        professor-elect president-elect mons monsieur herr frau signor senor don dona"""),
    "fr": _words("""m mm mme mmes mlle mlles monsieur messieurs madame mesdames mademoiselle
        me maître
        mgr monseigneur dr docteur professeur prof général gén maréchal colonel lieutenant
        capitaine commandant amiral major sergent caporal président vice-président ministre
        secrétaire ambassadeur consul préfet sous-préfet maire syndic juge conseiller député
        sénateur gouverneur chancelier roi reine prince princesse duc duchesse comte comtesse
        marquis marquise baron baronne vicomte vicomtesse empereur impératrice tsar czar
        sultan pape cardinal évêque archevêque abbé chanoine curé pasteur père sœur frère
        citoyen citoyenne sir lord lady herr frau don"""),
    "de": _words("""herr herrn frau fräulein frl dr prof professor graf gräfin fürst fürstin herzog
        herzogin freiherr freifrau baron baronin könig königin kaiser kaiserin prinz prinzessin
        erzherzog general oberst oberstleutnant major hauptmann leutnant feldmarschall admiral
        minister bundesrat bundespräsident präsident kanzler reichskanzler bürgermeister
        stadtpräsident regierungsrat nationalrat ständerat pfarrer papst kardinal bischof
        erzbischof abt pater bruder schwester sir lord lady monsieur madame"""),
}
# Titles that take a nobiliary particle before a place or family name: "comte de Chambord".
NOBILITY: frozenset[str] = (
    _words("""prince princess duke duchess count countess earl marquis marquess baron baroness
    viscount lord lady princesse duc duchesse comte comtesse marquise baronne vicomte
    vicomtesse graf gräfin fürst fürstin herzog herzogin freiherr prinz prinzessin
    erzherzog""")
)
PARTICLES: frozenset[str] = _words(
    "de d' d’ du des of von van der den zu la le di da del della ten ter"
)
DETERMINERS: dict[str, frozenset[str]] = {
    "en": _words("the a an"),
    "fr": _words("le la les l' l’ un une"),
    "de": _words("der die das den dem des ein eine einen einem"),
}
# Functions written after a person's name, in apposition ("E. A. Sherman, Auditor of Dakota
# Territory", "Louis Thorens, vice-président"): the titles plus nouns of office that do not
# stand before a name.
FUNCTIONS: dict[str, frozenset[str]] = {
    "en": _words("""agent clerk clk editor speaker member chairman manager director cashier
        inspector engineer surveyor collector registrar postmaster proprietor publisher
        pastor rector principal teacher"""),
    "fr": _words("""secrétaire-adjoint questeur questeurs membre directeur rédacteur correspondant
        ingénieur caissier trésorier vice-présidente présidente inspecteur instituteur
        notaire avocat banquier négociant fabricant architecte commissaire délégué"""),
    "de": _words("""direktor redaktor redakteur mitglied ingenieur kassier sekretär"""),
}
# words that end a function's tail: conjunctions, relatives, prepositions of place and time
STOP_RIGHT = _words(
    "and or who which at in on for from to et ou qui à en pour sur dans und oder der"
)
PREFIXES = _words("vice sous ex co pro vize")  # "vice-president", "sous-préfet", "Vize-Präsident"
ROMAN = re.compile(r"^[IVXLC]+$")
POSSESSIVES = frozenset(["'s", "’s", "'", "’", "s'", "s’"])
HYPHENS = ("¬", "-", "⸗")
# Common nouns that HIPE keeps in a place mention ("Coosa river", "Leesburg road", "city of
# Springfield", "State of Massachusetts", "lac de Neuchâtel", "rue du Rhône"): after the name
# (lowercase, English) or before it, directly or with "of"/"de".
PLACE_AFTER: dict[str, frozenset[str]] = {
    "en": _words("""river creek run branch road street avenue lane bridge ferry county township
        parish district lake pond mountain mountains hill hills island islands bay harbor
        harbour valley canal falls springs park square turnpike territory"""),
}
PLACE_BEFORE: dict[str, frozenset[str]] = {
    "en": _words("city town village county state township port province district territory"),
    "fr": _words("""ville canton commune lac mont île rue avenue boulevard quai château vallée
        département district principauté"""),
    "de": _words("kanton stadt"),
}
PLACE_LINK = _words("of de du des d' d’")
# Common nouns that a model takes for a place when capitalised alone: "l'Etat" is the state as
# an institution, not a place name (HIPE leaves it out); with a name it is extended instead
# ("State of Virginia", "Etat de Vaud").
GENERIC_PLACES: dict[str, frozenset[str]] = {
    "en": _words("state"),
    "fr": _words("état etat"),
    "de": _words("staat"),
}
# US state abbreviations after a place are part of it: "Essex county, Va.", "Harrisburg, Ill."
STATE_ABBREVIATION_MAX = 6
# A name right after a preposition of place is a place ("at Breda", "in Leyden", "à Kloten")
# when the model called it a person, an organisation or MISC; the place label of the pipeline
# (GPE for OntoNotes, LOC for WikiNER) is given instead.
PLACE_PREPOSITIONS: dict[str, frozenset[str]] = {
    "en": _words("in at near"),
    "fr": _words("à"),
    "de": _words("in zu nach bei"),
}
PLACES = frozenset(["GPE", "LOC", "FAC"])
PLACE_FROM = frozenset(["PERSON", "PER", "ORG", "MISC"])
RELABEL_FROM = frozenset(["ORG", "GPE", "LOC", "NORP", "FAC", "MISC", "PRODUCT"])
MAX_LEFT = 6  # tokens a title chain may add (e.g. "le vice-président du conseil fédéral")
MAX_RIGHT = 12  # tokens a function in apposition may add: ", secretary of the state board"
MAX_ADJ = 2  # adjectives between a title and the name: "président français", "conseiller fédéral"


def _key(token: Token) -> str:
    return token.lower_.rstrip(".")


class EntityRules:
    """The `longue_entity_rules` component; each rule can be switched off in the config."""

    def __init__(
        self,
        lang: str,
        person_label: str,
        *,
        extend_titles: bool = True,
        strip: bool = True,
        drop_lowercase: bool = True,
        join_hyphenated: bool = True,
        relabel_titled: bool = True,
        extend_functions: bool = True,
        drop_numerals: bool = True,
        places_after_prepositions: bool = True,
        extend_places: bool = True,
        drop_generic_orgs: bool = True,
        drop_inhabitants: bool = True,
        extra_titles: Iterable[str] = (),
    ) -> None:
        self.lang = lang
        self.person = person_label
        self.titles = TITLES.get(lang, frozenset()) | frozenset(t.lower() for t in extra_titles)
        self.determiners = DETERMINERS.get(lang, frozenset())
        self.extend_titles = extend_titles
        self.strip = strip
        self.drop_lowercase = drop_lowercase
        self.join_hyphenated = join_hyphenated
        self.relabel_titled = relabel_titled
        self.extend_functions = extend_functions
        self.drop_numerals = drop_numerals
        self.place_prepositions = (
            PLACE_PREPOSITIONS.get(lang, frozenset()) if places_after_prepositions else frozenset()
        )
        self.place = "GPE" if person_label == "PERSON" else "LOC"
        self.extend_places = extend_places
        self.drop_generic_orgs = drop_generic_orgs
        self.drop_inhabitants = drop_inhabitants
        self.generic_places = GENERIC_PLACES.get(lang, frozenset())
        self.place_after = PLACE_AFTER.get(lang, frozenset())
        self.place_before = PLACE_BEFORE.get(lang, frozenset())
        self.functions = self.titles | FUNCTIONS.get(lang, frozenset())

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not ents:
            return doc
        out: list[Span] = []
        for i, ent in enumerate(ents):
            span: Span | None = ent
            if self.strip:
                span = self._strip(span)
            if span is not None and self.drop_lowercase and self._lowercase(span):
                span = None
            if span is not None and self.drop_numerals and self._numeral(span):
                span = None
            if span is None:
                continue
            if self.join_hyphenated:
                span = self._join_hyphen(span)
            if self.extend_titles:
                span = self._extend_left(span, ents, i)
                if not self._has_name(span):
                    continue  # "M." or "MM." tagged alone: a title is no mention of its own
            if self.place_prepositions and span.label_ in PLACE_FROM:
                span = self._place_after_preposition(span)
            if self.extend_places and span.label_ in PLACES:
                span = self._extend_place(span)
            if self.drop_generic_orgs and self._generic_org(span):
                continue
            if self.drop_inhabitants and self._inhabitants(span):
                continue
            if self.extend_functions and span.label_ == self.person:
                span = self._extend_right(span)
            out.append(span)
        # a title entity absorbed by the next one overlaps it: the longer span is kept
        out = filter_spans(out)
        if self.extend_places and self.lang == "en":
            out = self._merge_state_abbreviations(out)
        if [(e.start, e.end, e.label) for e in out] != [(e.start, e.end, e.label) for e in ents]:
            doc.ents = out  # the setter walks every token: only when something changed
        return doc

    # -- rules ----------------------------------------------------------------------------

    def _strip(self, span: Span) -> Span | None:
        start, end = span.start, span.end
        doc = span.doc
        while start < end and (
            doc[start].is_punct
            or doc[start].lower_ in self.determiners
            or (len(doc[start].text) == 1 and doc[start].text.islower())  # OCR noise: "j City"
        ):
            start += 1
        while end > start and (
            doc[end - 1].lower_ in POSSESSIVES
            or (doc[end - 1].is_punct and not doc[end - 1].text.endswith(HYPHENS))
        ):
            end -= 1
        if start >= end:
            return None
        if (start, end) == (span.start, span.end):
            return span
        return Span(doc, start, end, label=span.label)

    def _lowercase(self, span: Span) -> bool:
        """No word of the span starts with a capital: an OCR fragment, not a name.

        Only the span as a whole: French names of places and bodies start with a lowercase
        common noun ("lac de Neuchâtel", "canton de Vaud", "avenue Kléber").
        """
        return not any(t.text[:1].isupper() for t in span)

    def _extend_place(self, span: Span) -> Span:
        """ "Coosa [river]", "[city of] Springfield", "[lac de] Neuchâtel" (see PLACE_AFTER)."""
        doc = span.doc
        start, end = span.start, span.end
        if end < len(doc) and doc[end].text[:1].islower() and doc[end].lower_ in self.place_after:
            end += 1
        j = start - 1
        if j >= 0 and doc[j].lower_ in PLACE_LINK:
            j -= 1
        if j >= 0 and doc[j].lower_ in self.place_before and doc[j].ent_iob_ == "O":
            start = j
        if (start, end) == (span.start, span.end):
            return span
        return Span(doc, start, end, label=span.label)

    def _merge_state_abbreviations(self, spans: list[Span]) -> list[Span]:
        """ "[Essex county], [Va.]" -> one place: the state written after the town."""
        out: list[Span] = []
        for span in spans:
            last = out[-1] if out else None
            if (
                last is not None
                and last.label_ in PLACES
                and span.label_ in PLACES
                and len(span) == 1
                and span.text.endswith(".")
                and len(span.text) <= STATE_ABBREVIATION_MAX
                and span.text[:1].isupper()
                and span.start == last.end + 1
                and span.doc[last.end].text == ","
            ):
                out[-1] = Span(span.doc, last.start, span.end, label=last.label)
                continue
            out.append(span)
        return out

    def _inner_hyphen(self, tok: Token) -> bool:
        """A hyphen written inside a word ("secrétaire-adjoint"), not a dash between words."""
        doc = tok.doc
        return (
            tok.text in ("-", "‐")
            and tok.i > 0
            and not doc[tok.i - 1].whitespace_
            and not tok.whitespace_
        )

    def _place_after_preposition(self, span: Span) -> Span:
        """A bare name after "at", "in", "near", "à" tagged PERSON/ORG/MISC is a place.

        Not after an article ("in the [Senate]" is an institution), nor a titled person.
        """
        doc = span.doc
        j = span.start - 1
        if j < 0 or doc[j].lower_ not in self.place_prepositions:
            return span
        if any(self._is_title(t) for t in span):
            return span
        return Span(doc, span.start, span.end, label=self.place)

    def _generic_org(self, span: Span) -> bool:
        """A one-word ORG that the tagger reads as a common noun ("the Senate", "le Parlement",
        "le Conseil", "Taxes"): a generic reference to an institution, not a name (HIPE leaves
        these out), or a capitalised word taken for one. Pipelines without a tagger: kept."""
        return span.label_ == "ORG" and len(span) == 1 and span[0].pos_ == "NOUN"

    def _inhabitants(self, span: Span) -> bool:
        """A one-word place read as a plural common noun: "les Suisses", "Autrichiens".

        Place names are proper nouns, or singular ("la Confédération"); a plural common noun
        with a capital is a people. Pipelines without a tagger or morphology: kept."""
        if span.label_ not in PLACES or len(span) != 1:
            return False
        token = span[0]
        if _key(token) in self.generic_places and not token.text.isupper():
            return True
        return (
            token.pos_ == "NOUN"
            and "Plur" in token.morph.get("Number")
            and not token.text.isupper()
            and not any(h in token.text for h in "-‐‑")
        )

    def _numeral(self, span: Span) -> bool:
        """A Roman numeral or a single letter alone ("II", "I", "S"): no name."""
        if len(span) != 1:
            return False
        text = span.text.rstrip(".")
        return len(text) < 2 or ROMAN.match(text) is not None

    def _extend_right(self, span: Span) -> Span:
        """Take in a function in apposition after a person's name, up to the next punctuation.

        ", <function> [of/de ...]": the comma must be followed directly by a word of office, and
        that word not by a name ("King John, King Henry" are two persons); the tail stops at
        punctuation, a new sentence, a conjunction or a preposition of place or time ("Treasurer
        of said County at Milford" keeps "at Milford" out).
        """
        doc = span.doc
        end = span.end
        if end + 1 >= len(doc) or doc[end].text != ",":
            return span
        function = doc[end + 1]
        if not (function.text[:1].isalpha() and _key(function) in self.functions):
            return span
        stop = end + 2
        if stop < len(doc) and doc[stop].ent_iob_ == "B":
            return span  # the title of the next person
        limit = min(len(doc), end + 1 + MAX_RIGHT)
        while stop < limit:
            tok = doc[stop]
            if tok.is_sent_start or tok.lower_ in STOP_RIGHT:
                break
            if tok.is_punct and not self._inner_hyphen(tok):  # "secrétaire-adjoint" goes on
                break
            stop += 1
        while doc[stop - 1].pos_ in ("ADP", "DET", "CCONJ") and stop - 1 > end + 1:
            stop -= 1  # no dangling "of the"
        return Span(doc, span.start, stop, label=span.label)

    def _join_hyphen(self, span: Span) -> Span:
        doc = span.doc
        last = doc[span.end - 1]
        if span.end < len(doc) and last.text.endswith(HYPHENS) and len(last.text) > 1:
            nxt = doc[span.end]
            if nxt.text[:1].islower() and nxt.is_alpha:
                return Span(doc, span.start, span.end + 1, label=span.label)
        return span

    def _is_title(self, token: Token) -> bool:
        return _key(token) in self.titles and token.text[:1].isalpha()

    def _has_name(self, span: Span) -> bool:
        return any(not self._is_title(t) for t in span)

    def _extend_left(self, span: Span, ents: list[Span], i: int) -> Span:
        """Move the start left over a chain of titles (with adjectives or a particle between).

        Person entities take the titles; ORG/GPE/LOC/NORP... entities that a title precedes or
        starts become persons ("General [Saunders]" tagged ORG), other labels are left alone.
        """
        if not self.titles:
            return span
        doc = span.doc
        label = span.label_
        if label != self.person and label not in RELABEL_FROM:
            return span
        first_is_title = self._is_title(doc[span.start])
        prev = ents[i - 1] if i > 0 else None  # may be a title-only entity ("M." tagged PER)
        best = span.start
        j = span.start - 1
        adjectives = 0
        particle = False
        while j >= max(0, span.start - MAX_LEFT):
            tok = doc[j]
            in_prev = prev is not None and prev.start <= j < prev.end
            if in_prev and self._has_name(prev):  # type: ignore[arg-type]
                break
            if not in_prev and tok.ent_iob_ in ("B", "I") and not self._is_title(tok):
                break  # a token of another entity
            if self._is_title(tok):
                if particle and _key(tok) not in NOBILITY:
                    break  # "president of [France]" is no person mention
                best = j
                adjectives = 0
                particle = False
            elif (
                tok.lower_ in PARTICLES
                and j == span.start - 1
                and not first_is_title
                and label in RELABEL_FROM  # "comte de [Chambord]" tagged LOC
            ):
                particle = True
            elif tok.pos_ == "ADJ" and tok.text[:1].islower() and adjectives < MAX_ADJ:
                adjectives += 1  # "conseiller fédéral [Arnold Koller]"
            elif self._inner_hyphen(tok) and best == j + 1 and j > 0:
                # "Lieutenant-General", "vice-president" split by the tokenizer
                if _key(doc[j - 1]) in PREFIXES:
                    best = j - 1
                    j -= 2
                    continue
            else:
                break
            j -= 1
        if best == span.start:
            if (
                self.relabel_titled
                and first_is_title
                and label != self.person
                and len(span) > 1
                and span[1].text[:1].isupper()
            ):
                return Span(doc, span.start, span.end, label=self.person)
            return span
        if label != self.person and not self.relabel_titled:
            return span
        return Span(doc, best, span.end, label=self.person)


def person_label(nlp: Language) -> str:
    """PERSON for OntoNotes pipelines (English), PER for WikiNER ones (French, German...)."""
    if "ner" in nlp.pipe_names:
        labels = nlp.get_pipe("ner").labels  # type: ignore[attr-defined]
        if "PERSON" in labels:
            return "PERSON"
        if "PER" in labels:
            return "PER"
    return "PERSON" if nlp.lang == "en" else "PER"


@Language.factory(
    COMPONENT,
    default_config={
        "extend_titles": True,
        "strip": True,
        "drop_lowercase": True,
        "join_hyphenated": True,
        "relabel_titled": True,
        "extend_functions": True,
        "drop_numerals": True,
        "places_after_prepositions": True,
        "extend_places": True,
        "drop_generic_orgs": True,
        "drop_inhabitants": True,
        "extra_titles": [],
    },
    requires=["doc.ents"],
    assigns=["doc.ents"],
)
def make_entity_rules(
    nlp: Language,
    name: str,
    extend_titles: bool,
    strip: bool,
    drop_lowercase: bool,
    join_hyphenated: bool,
    relabel_titled: bool,
    extend_functions: bool,
    drop_numerals: bool,
    places_after_prepositions: bool,
    extend_places: bool,
    drop_generic_orgs: bool,
    drop_inhabitants: bool,
    extra_titles: list[str],
) -> EntityRules:
    """spaCy factory: the rules for `nlp.lang`, with the pipeline's own person label."""
    return EntityRules(
        str(nlp.lang),
        person_label(nlp),
        extend_titles=extend_titles,
        strip=strip,
        drop_lowercase=drop_lowercase,
        join_hyphenated=join_hyphenated,
        relabel_titled=relabel_titled,
        extend_functions=extend_functions,
        drop_numerals=drop_numerals,
        places_after_prepositions=places_after_prepositions,
        extend_places=extend_places,
        drop_generic_orgs=drop_generic_orgs,
        drop_inhabitants=drop_inhabitants,
        extra_titles=extra_titles,
    )


def add_entity_rules(nlp: Language, config: dict[str, Any] | None = None) -> bool:
    """Add the rules right after `ner`; True when the pipeline runs them (added now or before).

    A pipeline without `ner` (the blank fallback) has no entities to rewrite: False.
    """
    if COMPONENT in nlp.pipe_names:
        return True
    if "ner" not in nlp.pipe_names:
        return False
    nlp.add_pipe(COMPONENT, after="ner", config=config or {})
    return True
