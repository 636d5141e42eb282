"""Actors: every source of names -> mentions -> actors, each mention with the rule that linked it.

Sources: TEI markup entities (with their @corresp/@ref/@key ids), FRUS persons lists, document
senders and recipients, cable signatures, and NER PERSON mentions. Rules in `link`; the linking is
measured by benchmarks/bench_actors.py against FRUS persName @corresp ids.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import pyarrow as pa

logger = logging.getLogger(__name__)

# the rules, from the most to the least certain
RULES = (
    "markup_id",  # the source's own id (@corresp, @ref, @key) names the actor
    "persons_list",  # a full name matching one entry of the volume's persons list
    "role_holder",  # an office the volume's persons list gives to one person only
    "normalised_name",  # same name once case, diacritics, punctuation and titles are gone
    "name_variant",  # "W. H. Seward" -> the one compatible fuller name in the volume
    "post",  # a surname + the post its heading gives, held by one persons-list entry
    "surname_document",  # a bare surname -> the one full name with it in the document
    "surname_volume",  # ... else the one full name with it in the volume
    "surname_volume_dominant",  # ... else the full name holding >= 80% of them in the volume
    "surname_only",  # no full name in the volume: one actor per surname and volume
    "surname_ambiguous",  # several full names, none dominant: one actor per surname and document
    "role",  # an office with no single holder: a role actor, flagged
)
DOMINANT_SHARE = 0.8


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# titles and honorifics, lower case without dots; stripped in front of a name
TITLES = _words(
    """mr mrs messrs miss ms m mm mme mlle madame mademoiselle monsieur messieurs sir lord lady
    dame general gen genl col colonel lieut lieutenant lt maj major capt captain admiral adm
    commander commodore dr doctor prof professor baron baroness count countess comte comtesse
    viscount vicomte viscountess marquis marquess marquise duke duc duchess duchesse prince
    princess prinz graf herr frau fraulein senor senora senorita don dona signor signora sig
    hon honorable honourable rev reverend excellency his her mgr monsignor cardinal father
    senator judge president secretary ambassador minister consul governor premier chancellor
    earl emperor king queen czar tsar sultan shah pasha bey effendi sheik señor señora
    general-in-chief brig brigadier sergeant sgt private justice chief"""
)
FEMALE = _words(
    "mrs miss ms mme mlle madame mademoiselle lady dame baroness countess comtesse viscountess "
    "marquise duchess duchesse princess frau fraulein senora senorita dona signora queen"
)
_ARTICLES = frozenset({"the", "le", "la", "les", "l", "el", "il", "der", "die"})
_PARTICLES = frozenset({"de", "d", "du", "des", "von", "van", "der", "den", "di", "da", "of"})
_SUFFIXES = frozenset({"jr", "sr", "junior", "senior", "ii", "iii", "iv", "esq", "esquire"})
# abbreviated forenames of 19th-century signatures
_FORENAMES = {
    "wm": "william",
    "chas": "charles",
    "jno": "john",
    "thos": "thomas",
    "geo": "george",
    "jas": "james",
    "benj": "benjamin",
    "saml": "samuel",
    "robt": "robert",
    "edw": "edward",
    "fredk": "frederick",
    "fred": "frederick",
    "alex": "alexander",
    "danl": "daniel",
    "richd": "richard",
    "hy": "henry",
}
# offices: "The Secretary of State", "Acting Secretary of State", "the British Ambassador",
# "Minister in China", "Consul General at Vladivostok", "the President"
_ROLE_HEADS = (
    r"secretary|president|vice president|ambassador|minister|consul general|consul|vice consul|"
    r"charge d'affaires|charge|envoy|commissioner|high commissioner|governor|chancellor|premier|"
    r"prime minister|attorney general|postmaster general|counselor|counsellor|king|queen|"
    r"emperor|empress|czar|tsar|sultan|shah|khedive|mikado|pope|viceroy|regent|mayor|"
    r"delegate|plenipotentiary|agent|representative|chief of staff|under secretary"
)
_ROLE = re.compile(
    rf"^(?:the\s+)?(?:[a-z'-]+\s+){{0,2}}?(?:acting\s+|assistant\s+|deputy\s+|first\s+|"
    rf"second\s+|third\s+)*(?:{_ROLE_HEADS})(?:\s+(?:of|at|in|to|for|ad|general|on)\b.*)?$"
)
_ORG_WORDS = _words(
    """embassy legation consulate department commission ministry office board government bank
    council committee conference company navy army senate congress league delegation mission
    bureau corporation parliament cabinet court administration railway union party"""
)
# a signature line of a cable: "WILLIAM H. SEWARD." "F. W. SEWARD," (capitals, 2-5 words)
_SIGNATURE = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ.'’ -]{3,60}[.,]?$")


@dataclass(frozen=True)
class Mention:
    """One name as a source gives it."""

    doc_id: str
    scope: str  # the volume (or file) the name was read in: surname rules stop at its edge
    surface: str
    label: str  # PER, ORG, LOC
    source: str  # markup, ner, sender, recipient, signature, persons_list
    year: int | None = None
    start_char: int | None = None
    end_char: int | None = None
    ref: str | None = None  # the source's id, made absolute ("frus1918Russiav03#p_FDR1")
    description: str | None = None  # persons list: the offices held
    post: str | None = None  # the office a heading gives beside the name ("Minister in Sweden")


@dataclass
class Name:
    """A person's name taken apart: titles off, forenames and surname normalised."""

    forenames: tuple[str, ...]
    surname: str
    female: bool = False
    titled: bool = False

    @property
    def full(self) -> bool:
        return bool(self.forenames)

    @property
    def key(self) -> str:
        return " ".join((*self.forenames, self.surname))


def normalise(text: str) -> str:
    """Case, diacritics and OCR-ish punctuation folded: "M. de Bülow," -> "m de bulow"."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[.·•,;:!?*|\"()\[\]{}<>«»_/\\]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text).strip("-' ")
    return " ".join(w.strip("-'") for w in text.split() if w.strip("-'"))


_PERSONAL_TITLES = _words(
    "mr mrs messrs miss ms m mm mme mlle madame monsieur sir lord lady dame herr frau senor "
    "senora don dona signor dr general gen col colonel maj major capt captain admiral"
)


def is_role(surface: str) -> bool:
    """True for an office standing for its holder ("The Secretary of State"); not for a title
    before a name that is also an office ("Mr. King", "President Wilson")."""
    words = normalise(surface).split()
    if words[:1] == ["the"]:
        words = words[1:]
    if not words or words[0] in _PERSONAL_TITLES:
        return False
    return bool(_ROLE.match(" ".join(words)))


def is_org(surface: str) -> bool:
    return any(w in _ORG_WORDS for w in normalise(surface).split())


def parse_name(surface: str, inverted: bool = False) -> Name | None:
    """Take titles, articles and suffixes off a person's name; None when nothing is left.

    inverted: "Surname, Forenames[, Title]" as persons lists and indexes write names.
    """
    if inverted and "," in surface:
        head, _, rest = surface.partition(",")
        surname_words = normalise(head).split()
        rest_words = normalise(rest).split()
        female = any(w in FEMALE for w in rest_words)
        rest_words = [w for w in rest_words if w not in TITLES and w not in _SUFFIXES]
        if not surname_words:
            return None
        forenames = tuple(_FORENAMES.get(w, w) for w in rest_words)
        return Name(forenames, " ".join(surname_words), female, len(rest_words) > 0)
    words = normalise(surface).split()
    female = titled = False
    while words and (words[0] in TITLES or words[0] in _ARTICLES):
        if words[0] in TITLES:
            titled = True
            female = female or words[0] in FEMALE
        words = words[1:]
    if titled and len(words) > 1 and words[0] in _PARTICLES:
        words = words[1:]  # "le comte de Mun" -> "mun"
    while words and words[-1] in _SUFFIXES:
        words = words[:-1]
    if not words or not any(c.isalpha() for c in "".join(words)):
        return None
    # a particle belongs to the surname: "Henri de la Tour" -> surname "de la tour"
    i = len(words) - 1
    while i > 0 and words[i - 1] in _PARTICLES:
        i -= 1
    if i == 0 and len(words) > 1:
        i = len(words) - 1
    forenames = tuple(_FORENAMES.get(w, w) for w in words[:i])
    return Name(forenames, " ".join(words[i:]), female, titled)


def compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Forenames that may be the same person's: "w h" ~ "william henry" ~ "william"."""
    if not a or not b:
        return True
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            continue
        return False
    return True


def _richer(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """a says more than b: more forenames, or as many with more spelled out."""
    return (len(a), sum(len(w) for w in a)) > (len(b), sum(len(w) for w in b))


# ---------------------------------------------------------------- mentions from the tables


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    try:
        return dict(value)  # pyarrow map -> list of (key, value) pairs
    except (TypeError, ValueError):
        return {}


def _absolute(ref: str, scope: str) -> str:
    """A markup id with its volume: "#p_FDR1" in frus1918Russiav03 -> "frus1918Russiav03#p_FDR1";
    several ids ("#a #b") keep the first."""
    ref = ref.split()[0]
    return f"{scope}{ref}" if ref.startswith("#") else ref


def _scope(doc: Mapping[str, Any], meta: Mapping[str, str]) -> str:
    return str(
        meta.get("volume_id") or doc.get("source_path") or doc.get("collection") or doc["doc_id"]
    )


def signatures(text: str) -> Iterator[tuple[str, int, int]]:
    """Capitalised signature lines among a cable's last lines: ("WILLIAM H. SEWARD", start, end)."""
    tail_start = max(0, len(text) - 600)
    offset = tail_start
    for line in text[tail_start:].split("\n"):
        start = offset
        offset += len(line) + 1
        if not _SIGNATURE.match(line.strip().split(",")[0]):
            continue
        # "GEORGE F. SEWARD, Consul General, acting judicially": the name before the office
        stripped = line.strip().split(",")[0].rstrip(".")
        if not 2 <= len(stripped.split()) <= 5:
            continue
        if is_role(stripped) or is_org(stripped):
            continue
        begin = start + line.index(stripped[0])
        yield stripped, begin, begin + len(stripped)


_POST = re.compile(r"(?:\b[Tt]he\s+)?([A-Z][^()]*?)\s*\(([^()]+)\)")


def _posts(title: str) -> dict[str, str]:
    """Name -> post in a FRUS heading: "The Minister in Sweden (Morris) to the Secretary of
    State" -> {"Morris": "Minister in Sweden"}."""
    out = {}
    for m in _POST.finditer(title):
        post = re.sub(r"^.*\bto\s+(?:the\s+)?", "", m[1]).strip()
        if is_role(post):
            out[m[2].strip()] = post
    return out


def _before_office(name: str) -> str:
    """ "GEORGE F. SEWARD, Consul General, acting judicially" -> "GEORGE F. SEWARD"."""
    first, sep, rest = name.partition(",")
    if sep and len(first.split()) >= 2 and (is_role(rest) or is_org(rest) or rest.islower()):
        return first.strip()
    return name


def document_mentions(
    doc: Mapping[str, Any], hide_ids: bool = False, signed: bool = True
) -> list[Mention]:
    """Markup entities, persons list, sender, recipient and signature of one document row."""
    meta = _metadata(doc.get("metadata"))
    scope = _scope(doc, meta)
    doc_id = str(doc["doc_id"])
    year = doc.get("year")
    year = int(year) if year is not None and not pd.isna(year) else None
    out: list[Mention] = []
    for ref_id, name, description in json.loads(meta.get("frus_persons") or "[]"):
        ref = None if not ref_id else f"{scope}#{ref_id}"
        out.append(Mention(doc_id, scope, name, "PER", "persons_list", year, ref=ref,
                           description=description or None))  # fmt: skip
    ents = json.loads(meta.get("markup_entities") or "[]")
    ids = json.loads(meta.get("markup_entity_ids") or "[]")
    for i, item in enumerate(ents):
        if not isinstance(item, list) or len(item) != 4:
            continue
        text, label, start, end = item
        ref = ids[i] if i < len(ids) and not hide_ids else None
        out.append(
            Mention(doc_id, scope, str(text), str(label), "markup", year, start, end,
                    ref=_absolute(ref, scope) if ref else None)
        )  # fmt: skip
    posts = _posts(str(doc.get("title") or ""))
    for source in ("sender", "recipient"):
        value = doc.get(source)
        if not value or (not isinstance(value, str) and pd.isna(value)):
            continue
        refs = (meta.get(f"{source}_ids") or "").split("; ")
        for i, part in enumerate(str(value).split("; ")):
            part = _before_office(part)
            ref = refs[i] if i < len(refs) and refs[i] and not hide_ids else None
            out.append(
                Mention(doc_id, scope, part.strip(), "PER", source, year,
                        ref=_absolute(ref, scope) if ref else None, post=posts.get(part.strip()))
            )  # fmt: skip
    text = doc.get("text")
    if signed and doc.get("kind") == "cable" and isinstance(text, str):
        # the warehouse passes only the text's tail, and where it starts
        shift = int(doc.get("text_offset") or 0)
        for surface, start, end in signatures(text):
            out.append(
                Mention(
                    doc_id, scope, surface, "PER", "signature", year, start + shift, end + shift
                )
            )
    return out


def collect_mentions(
    documents: pd.DataFrame | Iterable[Mapping[str, Any]],
    entities: pd.DataFrame | None = None,
    hide_ids: bool = False,
) -> list[Mention]:
    """Mentions from document rows and NER entity rows (PERSON/PER, origin "ner").

    NER spans overlapping a markup span of the same document are left out: the markup says more.
    hide_ids: drop the markup/sender ids (benchmarks: linking measured without them).
    """
    rows = documents.to_dict("records") if isinstance(documents, pd.DataFrame) else documents
    out: list[Mention] = []
    docs: dict[str, tuple[str, int | None]] = {}
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for doc in rows:
        found = document_mentions(doc, hide_ids=hide_ids)
        out.extend(found)
        meta = _metadata(doc.get("metadata"))
        year = doc.get("year")
        docs[str(doc["doc_id"])] = (
            _scope(doc, meta),
            int(year) if year is not None and not pd.isna(year) else None,
        )
        for m in found:
            if m.start_char is not None and m.end_char is not None:
                spans[m.doc_id].append((m.start_char, m.end_char))
    if entities is not None and len(entities):
        ner = entities[
            (entities["origin"].fillna("ner") == "ner") & entities["label"].isin(["PERSON", "PER"])
        ]
        for doc_id, text, _label, start, end in ner[
            ["doc_id", "text", "label", "start_char", "end_char"]
        ].itertuples(index=False):
            if doc_id not in docs:
                continue
            s, e = int(start), int(end)
            if any(s < b and a < e for a, b in spans.get(doc_id, ())):
                continue
            scope, year = docs[doc_id]
            out.append(Mention(doc_id, scope, str(text), "PER", "ner", year, s, e))
    return out


# ---------------------------------------------------------------- linking


@dataclass
class _Head:
    """A full-name person in one scope, and how many full-name mentions it has there."""

    key: str  # the actor key
    name: Name
    n: int = 0
    refs: set[str] = field(default_factory=set)
    description: str | None = None


@dataclass
class Linked:
    mentions: list[Mention]
    actor_keys: list[str]
    rules: list[str]
    roles: list[str | None]  # the office a role mention named, kept beside its holder


def link(mentions: list[Mention]) -> Linked:
    """Give each mention an actor key and the rule that chose it (rules: RULES, in order).

    Persons are linked within their scope (the volume): full names first (the persons list,
    then exact normalised names, then initials to the one compatible fuller name), then bare
    surnames (within the document, then the volume); offices become role actors unless the
    persons list gives them to one person. Across scopes only ids and whole normalised full
    names merge — never a surname alone.
    """
    keys: list[str] = [""] * len(mentions)
    rules: list[str] = [""] * len(mentions)
    roles: list[str | None] = [None] * len(mentions)
    by_scope: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        by_scope[m.scope].append(i)
    for scope, idx in by_scope.items():
        _link_scope(scope, mentions, idx, keys, rules, roles)
    return Linked(mentions, keys, rules, roles)


def _link_scope(
    scope: str,
    mentions: list[Mention],
    idx: list[int],
    keys: list[str],
    rules: list[str],
    roles: list[str | None],
) -> None:
    names: dict[int, Name] = {}
    persons: list[int] = []
    for i in idx:
        m = mentions[i]
        label = m.label.upper()
        if label in ("LOC", "GPE", "PLACE"):
            keys[i], rules[i] = f"place:{normalise(m.surface)}", "normalised_name"
        elif label == "ORG" or (m.source != "persons_list" and is_org(m.surface)):
            keys[i], rules[i] = f"org:{normalise(m.surface)}", "normalised_name"
        elif m.source != "persons_list" and is_role(m.surface):
            roles[i] = normalise(m.surface).removeprefix("the ")
        else:
            name = parse_name(m.surface, inverted=m.source == "persons_list")
            if name is None:
                keys[i], rules[i] = f"other:{normalise(m.surface)}", "normalised_name"
                continue
            names[i] = name
            persons.append(i)
    # 1. full-name heads: persons list first, then fuller names before shorter ones
    heads: list[_Head] = []
    head_of: dict[int, _Head] = {}
    by_ref: dict[str, _Head] = {}
    for i in persons:
        m = mentions[i]
        if m.source == "persons_list":
            head = _Head(f"ref:{m.ref}" if m.ref else f"name:{names[i].key}", names[i])
            head.description = m.description
            if m.ref:
                head.refs.add(m.ref)
                by_ref[m.ref] = head
            heads.append(head)
            head_of[i] = head
            keys[i], rules[i] = head.key, "persons_list"
    for i in persons:
        m = mentions[i]
        if m.source != "persons_list" and m.ref:
            known = by_ref.get(m.ref)
            if known is None:
                head = by_ref[m.ref] = _Head(f"ref:{m.ref}", names[i], refs={m.ref})
            else:
                head = known
            if (
                known is not None
                and names[i].full
                and _richer(names[i].forenames, head.name.forenames)
            ):
                head.name = names[i]
            head.n += 1
            head_of[i] = head
            keys[i], rules[i] = head.key, "markup_id"
    heads.extend(h for h in by_ref.values() if h not in heads)
    # a surname of several words the persons list knows ("Lloyd George, David"): whole, a surname
    long_surnames = {h.name.surname for h in heads if " " in h.name.surname}
    for i in persons:
        if names[i].full and names[i].key in long_surnames and i not in head_of:
            names[i] = Name((), names[i].key, names[i].female, names[i].titled)
    full = sorted(
        (i for i in persons if i not in head_of and names[i].full),
        key=lambda i: (-len(names[i].forenames), -len("".join(names[i].forenames)), i),
    )
    listed = [h for h in heads]
    for i in full:
        name = names[i]
        same = [h for h in heads if h.name.surname == name.surname and h.name.female == name.female]
        exact = [h for h in same if h.name.forenames == name.forenames]
        fits = [h for h in same if compatible(h.name.forenames, name.forenames)]
        on_list = [h for h in fits if h in listed]
        if len(on_list) == 1:
            head, rule = on_list[0], "persons_list"
        elif exact:
            head, rule = exact[0], "normalised_name"
        elif len(fits) == 1:
            head, rule = fits[0], "name_variant"
        else:
            head = _Head(f"name:{name.key}" + (" (f)" if name.female else ""), name)
            heads.append(head)
            rule = "normalised_name"
        head.n += 1
        head_of[i] = head
        keys[i], rules[i] = head.key, rule
    # 2. roles: to the one holder the persons list names, else a role actor
    for i in idx:
        role = roles[i]
        if role is None:
            continue
        holders = [h for h in listed if h.description and _holds(h.description, role)]
        if len(holders) == 1:
            keys[i], rules[i] = holders[0].key, "role_holder"
        else:
            keys[i], rules[i] = f"role:{role}", "role"
    # 3. bare surnames: the document, then the volume
    in_doc: dict[tuple[str, str, bool], set[int]] = defaultdict(set)
    for i, head in head_of.items():
        if mentions[i].source != "persons_list" and (names[i].full or mentions[i].ref):
            in_doc[(mentions[i].doc_id, head.name.surname, head.name.female)].add(id(head))
    by_id = {id(h): h for h in head_of.values()} | {id(h): h for h in heads}
    for i in persons:
        if i in head_of:
            continue
        m, name = mentions[i], names[i]
        doc_heads = in_doc.get((m.doc_id, name.surname, name.female), set())
        same = [h for h in heads if h.name.surname == name.surname and h.name.female == name.female]
        total = sum(h.n for h in same)
        top = max(same, key=lambda h: h.n, default=None)
        post = normalise(m.post).removeprefix("the ") if m.post else None
        posted = [h for h in same if post and h.description and _holds(h.description, post)]
        roles[i] = post
        if len(posted) == 1:
            keys[i], rules[i] = posted[0].key, "post"
        elif len(doc_heads) == 1:
            keys[i], rules[i] = by_id[next(iter(doc_heads))].key, "surname_document"
        elif len(same) == 1:
            keys[i], rules[i] = same[0].key, "surname_volume"
        elif top is not None and total and top.n >= DOMINANT_SHARE * total and top.n >= 3:
            keys[i], rules[i] = top.key, "surname_volume_dominant"
        elif not same:
            female = " (f)" if name.female else ""
            keys[i], rules[i] = f"surname:{scope}:{name.surname}{female}", "surname_only"
        else:
            keys[i], rules[i] = f"surname:{scope}:{m.doc_id}:{name.surname}", "surname_ambiguous"


def _holds(description: str, role: str) -> bool:
    """A persons-list description gives this office: "Secretary of State" in
    "Counselor ...; Secretary of State, June 1915" (not "British Secretary of State for ...")."""
    role = role.removeprefix("the ")
    for part in re.split(r"[;]", description):
        words = normalise(part)
        if (
            words == role
            or words.startswith(role + " ")
            and not re.match(r"(of|for|at|in)\b", words[len(role) + 1 :])
        ):
            return True
    return False


# ---------------------------------------------------------------- tables


def build_actors(
    documents: pd.DataFrame | Iterable[Mapping[str, Any]],
    entities: pd.DataFrame | None = None,
    hide_ids: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `actors` and `actor_mentions` tables from document rows and NER entity rows."""
    mentions = collect_mentions(documents, entities, hide_ids=hide_ids)
    linked = link(mentions)
    return tables(linked)


def merge_across_scopes(linked: Linked) -> dict[str, str]:
    """Actor key -> final actor id: keys of one id, or of one whole normalised full name, merge."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.get(k, k) != k:
            parent[k] = parent.get(parent[k], parent[k])
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for m, key in zip(linked.mentions, linked.actor_keys, strict=True):
        parent.setdefault(key, key)
        if key.startswith("ref:") and m.label.upper() == "PER":
            name = parse_name(m.surface, inverted=m.source == "persons_list")
            if name is not None and name.full and not is_role(m.surface):
                union(key, f"name:{name.key}" + (" (f)" if name.female else ""))
    return {k: find(k) for k in parent}


def tables(linked: Linked) -> tuple[pd.DataFrame, pd.DataFrame]:
    final = merge_across_scopes(linked)
    rows = []
    for m, key, rule, role in zip(
        linked.mentions, linked.actor_keys, linked.rules, linked.roles, strict=True
    ):
        rows.append(
            {
                "doc_id": m.doc_id,
                "source": m.source,
                "start_char": m.start_char,
                "end_char": m.end_char,
                "surface": m.surface,
                "label": m.label,
                "actor_id": final[key],
                "rule": rule,
                "role": role,
                "source_id": m.ref,
                "year": m.year,
            }
        )
    mentions = pd.DataFrame(rows, columns=list(ACTOR_MENTION_COLUMNS))
    mentions = mentions.astype({"start_char": "Int64", "end_char": "Int64", "year": "Int64"})
    return actor_table(linked, final, mentions), mentions


ACTOR_MENTION_COLUMNS = (
    "doc_id",
    "source",
    "start_char",
    "end_char",
    "surface",
    "label",
    "actor_id",
    "rule",
    "role",
    "source_id",
    "year",
)
ACTOR_COLUMNS = (
    "actor_id",
    "name",
    "kind",
    "authority_ids",
    "description",
    "flag",
    "n_mentions",
    "n_docs",
    "first_year",
    "last_year",
)


ACTOR_SCHEMA = pa.schema(
    [
        pa.field("actor_id", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("kind", pa.string()),  # person, org, place, role
        pa.field("authority_ids", pa.list_(pa.string())),  # source ids, Wikidata QIDs
        pa.field("description", pa.string()),  # the persons list's offices
        pa.field("flag", pa.string()),  # role_unresolved, ambiguous_surname, surname_only
        pa.field("n_mentions", pa.int64()),
        pa.field("n_docs", pa.int64()),
        pa.field("first_year", pa.int32()),
        pa.field("last_year", pa.int32()),
    ]
)
ACTOR_MENTION_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string()),  # markup, ner, sender, recipient, signature, persons_list
        pa.field("start_char", pa.int64()),  # null for document fields (sender, recipient)
        pa.field("end_char", pa.int64()),
        pa.field("surface", pa.string()),
        pa.field("label", pa.string()),
        pa.field("actor_id", pa.string(), nullable=False),
        pa.field("rule", pa.string()),  # one of RULES
        pa.field("role", pa.string()),  # the office named, or the post beside the name
        pa.field("source_id", pa.string()),  # the markup id the source gave
        pa.field("year", pa.int32()),
    ]
)


def to_arrow(actors: pd.DataFrame, mentions: pd.DataFrame) -> tuple[pa.Table, pa.Table]:
    """The two tables with their Arrow schemas (for Parquet and the warehouse)."""
    return (
        pa.Table.from_pandas(actors, schema=ACTOR_SCHEMA, preserve_index=False),
        pa.Table.from_pandas(mentions, schema=ACTOR_MENTION_SCHEMA, preserve_index=False),
    )


def actor_table(linked: Linked, final: dict[str, str], mentions: pd.DataFrame) -> pd.DataFrame:
    by_actor: dict[str, list[int]] = defaultdict(list)
    for i, aid in enumerate(mentions["actor_id"]):
        by_actor[aid].append(i)
    rows = []
    for aid, idx in sorted(by_actor.items()):
        ms = [linked.mentions[i] for i in idx]
        listed = [m for m in ms if m.source == "persons_list"]
        rule_count = Counter(linked.rules[i] for i in idx)
        kind = aid.split(":", 1)[0]
        kind = {"ref": "person", "name": "person", "surname": "person", "other": "person"}.get(
            kind, kind
        )
        if kind == "person" and all(m.label.upper() == "ORG" for m in ms):
            kind = "org"
        flag = None
        if kind == "role":
            flag = "role_unresolved"
        elif rule_count.get("surname_ambiguous"):
            flag = "ambiguous_surname"
        elif aid.startswith("surname:"):
            flag = "surname_only"
        years = [m.year for m in ms if m.year is not None]
        rows.append(
            {
                "actor_id": aid,
                "name": _display_name(listed, ms),
                "kind": kind,
                "authority_ids": sorted({m.ref for m in ms if m.ref}),
                "description": "; ".join(
                    dict.fromkeys(m.description for m in listed if m.description)
                )
                or None,
                "flag": flag,
                "n_mentions": sum(m.source != "persons_list" for m in ms),
                "n_docs": len({m.doc_id for m in ms if m.source != "persons_list"}),
                "first_year": min(years) if years else None,
                "last_year": max(years) if years else None,
            }
        )
    out = pd.DataFrame(rows, columns=list(ACTOR_COLUMNS))
    return out.astype({"first_year": "Int64", "last_year": "Int64"})


def _display_name(listed: list[Mention], ms: list[Mention]) -> str:
    """The persons list's name read forwards ("Baker, Newton D." -> "Newton D. Baker"), else
    the most frequent of the longest surfaces."""
    if listed:
        head, _, rest = listed[0].surface.partition(",")
        return f"{rest.strip()} {head.strip()}".strip()
    counts = Counter(" ".join(m.surface.split()) for m in ms)
    return max(counts, key=lambda s: (len(s.split()), counts[s], s))


def without_ids(mentions: list[Mention]) -> list[Mention]:
    """The same mentions with their source ids hidden (the persons list keeps its own)."""
    return [m if m.source == "persons_list" else replace(m, ref=None) for m in mentions]
