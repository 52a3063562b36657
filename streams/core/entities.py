"""Merging NER mentions of one entity under a canonical name, and dropping junk spans.

CONTRACT (used by streams.core.enrich):

    merge_entities(mentions: list[Mention]) -> list[Entity]

Why: a story names the same person as "Russian President Vladimir Putin", "Vladimir
Putin" and "Putin"; consumers want one entity with a count, not three. The small spaCy
model also emits fragments ("Supreme" as an ORG, "Ayatollah Seyyed" as a PERSON) that
would pollute every downstream aggregate, so spans that are clearly not names are dropped
by explicit, individually tested rules.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from streams.core.nlp import Mention


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity of an article: canonical text, label, and every mention of it (offsets into the text)."""

    text: str
    label: str
    count: int  # number of mentions
    first: int  # start offset of the first mention
    mentions: tuple[Mention, ...]  # in text order


#: Labels whose spans are names; the others (DATE, MONEY, CARDINAL, ...) are kept as written.
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"}
)

#: The labels of another language's pipeline -> the project's (English OntoNotes) labels.
#: French (WikiNER): PER -> PERSON, ORG -> ORG; LOC -> GPE when the gazetteer knows the name
#: as a country, state or town, else LOC (rivers, mountains, regions); MISC -> NORP when it is a
#: nationality ("Français"), else MISC (events, works, products: WikiNER does not tell them apart).
LABEL_MAPS = {"fr": {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}}


def map_labels(
    mentions: Sequence[Mention],
    language: str,
    *,
    is_place=lambda span: False,
    is_demonym=lambda span: False,
) -> list[Mention]:
    """Mentions of a ``language`` pipeline under the project's labels (``LABEL_MAPS``);
    English mentions unchanged. ``is_place``/``is_demonym`` refine LOC and MISC."""
    table = LABEL_MAPS.get(language)
    if table is None:
        return list(mentions)
    mapped = []
    for mention in mentions:
        label = table.get(mention.label, mention.label)
        if label == "LOC" and is_place(mention.text):
            label = "GPE"
        elif label == "MISC" and is_demonym(mention.text):
            label = "NORP"
        mapped.append(Mention(mention.text, label, mention.start, mention.end))
    return mapped

#: Honorifics, offices and ranks written before a name ("President", "Ayatollah", "Sen.").
#: Compared lower-cased, without a final period.
TITLE_WORDS = frozenset(
    """
    president vice prime minister premier chancellor secretary secretary-general general
    leader supreme ayatollah grand hojatoleslam seyyed sayyid sayyed imam mullah rabbi sheikh
    sheikha emir sultan king queen prince princess crown emperor empress pope cardinal
    archbishop bishop rev reverend father mr mrs ms miss mx dr prof professor sir dame lord
    lady sen senator rep representative congressman congresswoman gov governor mayor judge
    justice chief lt col maj capt sgt gen adm brig admiral commander marshal colonel major
    captain lieutenant sergeant president-elect foreign defence defense interior finance
    deputy former ex late speaker ambassador envoy spokesman spokeswoman spokesperson
    chairman chairwoman chair ceo director head
    """.split()
)
#: Words that may sit between title words ("Secretary of State").
_TITLE_CONNECTORS = frozenset({"of", "the", "for", "and", "state"})
#: Generational suffixes: "Martin Luther King Jr." is not "King" with a title stripped.
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
#: How many leading words may form a title ("Iran's Supreme Leader Grand Ayatollah").
_MAX_TITLE_WORDS = 6
#: A span that crosses a line break is only a hard-wrapped name when it is this short.
_MAX_TOKENS_ACROSS_LINES = 3

# "Iranian", "Turkish", "Chinese", "Israeli", "French"; "US", "UK", "EU", "UN".
_DEMONYM_RE = re.compile(r"(?:[A-Z][a-z]+(?:an|ese|ish|i|ch)|[A-Z]{2})")
_POSSESSIVE_RE = re.compile(r"(?<=[^\W\d_])(?:'s|’s|'|’)$")
_LEADING_PUNCT = "\"'“‘([{«-–—,.;:"
_TRAILING_PUNCT = "\"'”’)]}»-–—,;:!?"
_AL_PREFIX_RE = re.compile(r"^(?:al|el|ad|an|ar|as|ash|at|az)-")  # Arabic article: "al-Assad" ~ "Assad"


def is_junk(mention: Mention) -> bool:
    """Whether a mention is clearly not an entity, by one of these rules:

    - empty or white space only;
    - a single character that is not a letter or digit, or any single character for a name label;
    - a name label (PERSON, ORG, GPE, ...) with no letter at all ("2018", "--");
    - crossing a blank line, or crossing a line break with more than three words (a
      subheading glued to the next paragraph);
    - ORG/PERSON made only of title words, optionally after "the" and a nationality
      ("Supreme", "President", "Ayatollah Seyyed", "The Iranian Supreme Leader").
    """
    return _is_junk(mention.text, mention.label)


@lru_cache(maxsize=8192)  # the same spans recur within and across articles
def _is_junk(text: str, label: str) -> bool:
    text = text.strip()
    if not text:
        return True
    name_label = label in NAME_LABELS
    if len(text) == 1:
        return name_label or not text.isalnum()
    if name_label and not any(ch.isalpha() for ch in text):
        return True
    if "\n\n" in text or ("\n" in text and len(text.split()) > _MAX_TOKENS_ACROSS_LINES):
        return True
    return label in ("ORG", "PERSON") and _is_title_phrase(_surface(text).split())


def merge_entities(mentions: Sequence[Mention]) -> list[Entity]:
    """Group mentions into entities, most mentioned first (ties: first in the text).

    - Name labels merge after normalisation (case, leading "the", possessive "'s",
      surrounding punctuation); other labels merge on identical text.
    - PERSON names also merge without their titles ("President Vladimir Putin" ->
      "Vladimir Putin"), and a shorter name joins the one longer name that ends with it
      ("Putin" -> "Vladimir Putin"); when two longer names end with it ("Joe Biden",
      "Hunter Biden"), "Biden" stays on its own.
    - A multi-word name tagged with several name labels takes its majority label (the
      small model tags "Recep Tayyip Erdogan" PERSON twice and ORG once); on a tie, and
      for one-word names ("Ford"), the labels stay separate entities.
    - The canonical PERSON text is the longest title-free form; for other labels the
      most frequent normalised form.
    """
    kept = [(m, _base_key(m)) for m in mentions if not is_junk(m)]
    labels = _majority_labels(kept)
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Mention, str]]] = defaultdict(list)
    for mention, base_key in kept:
        label = labels.get(base_key, mention.label) if mention.label in NAME_LABELS else mention.label
        display = _display(mention.text, label)
        groups[(label, _merge_key(display, label))].append((mention, display))
    clusters = _cluster_person_names(groups)
    entities = [_entity(label, [groups[key] for key in keys]) for label, keys in clusters]
    entities.sort(key=lambda e: (-e.count, e.first))
    return entities


# -- normalisation --------------------------------------------------------------------


@lru_cache(maxsize=8192)  # the same names recur within and across articles
def _surface(text: str) -> str:
    """The span without surrounding punctuation, possessive and a lower-case leading "the"."""
    text = " ".join(text.split()).lstrip(_LEADING_PUNCT).rstrip(_TRAILING_PUNCT)
    text = _POSSESSIVE_RE.sub("", text).rstrip(_TRAILING_PUNCT)
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=8192)
def _display(text: str, label: str) -> str:
    """How a mention is written in the entity list: names tidied, other labels verbatim."""
    if label not in NAME_LABELS:
        return " ".join(text.split())
    surface = _surface(text)
    if label == "PERSON":
        words = surface.split()
        return " ".join(words[_title_prefix_length(words) :])
    return surface


@lru_cache(maxsize=8192)
def _merge_key(display: str, label: str) -> tuple[str, ...]:
    """Words compared when merging: case-folded, without "The" and final periods.

    ``label`` "NAME" asks for the name treatment regardless of the NER label.
    """
    if label != "NAME" and label not in NAME_LABELS:
        return (display,)
    words = display.casefold().split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return tuple(word.rstrip(".") for word in words)


def _base_key(mention: Mention) -> tuple[str, ...]:
    """The name as written, before titles are stripped: identity for the majority-label rule."""
    return _merge_key(_surface(mention.text), "NAME")


def _majority_labels(mentions: list[tuple[Mention, tuple[str, ...]]]) -> dict[tuple[str, ...], str]:
    """For multi-word names tagged with several name labels, the label that wins outright."""
    votes: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for mention, key in mentions:
        if mention.label in NAME_LABELS and len(key) > 1:
            votes[key][mention.label] += 1
    winners = {}
    for key, counts in votes.items():
        ranked = counts.most_common(2)
        if len(ranked) == 2 and ranked[0][1] > ranked[1][1]:
            winners[key] = ranked[0][0]
    return winners


def _is_title_phrase(words: list[str]) -> bool:
    """Whether words are only a title: "President", "Supreme Leader", "Iranian Supreme Leader"."""
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) > 1 and _DEMONYM_RE.fullmatch(words[0]):
        words = words[1:]
    bare = [word.lower().rstrip(".") for word in words]
    return any(w in TITLE_WORDS for w in bare) and all(w in TITLE_WORDS or w in _TITLE_CONNECTORS for w in bare)


def _title_prefix_length(words: list[str]) -> int:
    """How many leading words are a title ("Russian President" in "Russian President Vladimir Putin").

    The prefix ends at the last title word among the first few words; words before it
    ("Russian", "US") go with it. Nothing is stripped unless a name is left that is more
    than a generational suffix ("Martin Luther King Jr." stays whole).
    """
    last = -1
    bare = [word.lower().rstrip(".") for word in words[:_MAX_TITLE_WORDS]]
    for index, word in enumerate(bare):
        if word in TITLE_WORDS or (word == "state" and index and bare[index - 1] == "of"):
            last = index
    rest = [w for w in words[last + 1 :] if w.lower().rstrip(".") not in _NAME_SUFFIXES]
    return last + 1 if last >= 0 and rest else 0


def _name_tokens(key: tuple[str, ...]) -> tuple[str, ...]:
    """Person-name words for suffix matching: no generational suffix, "al-Assad" ~ "Assad"."""
    words = [w for w in key if w not in _NAME_SUFFIXES]
    return tuple(_AL_PREFIX_RE.sub("", w) for w in words)


# -- clustering -----------------------------------------------------------------------


def _cluster_person_names(
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Mention, str]]],
) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    """Each entity as (label, group keys). PERSON groups join the one longer name ending with them."""
    clusters: list[tuple[str, list[tuple[str, tuple[str, ...]]]]] = []
    person_clusters: list[list[tuple[str, ...]]] = []  # member name tokens per PERSON cluster
    person_index: list[int] = []  # index into clusters of each PERSON cluster
    # longest names first, so that every shorter name sees all the names that could contain it
    order = sorted(groups, key=lambda k: (-len(k[1]), min(m.start for m, _ in groups[k])))
    for key in order:
        label, words = key
        if label != "PERSON" or not words:
            clusters.append((label, [key]))
            continue
        tokens = _name_tokens(words)
        containing = {
            n
            for n, members in enumerate(person_clusters)
            if any(len(m) > len(tokens) and m[len(m) - len(tokens) :] == tokens for m in members)
        }
        if len(containing) == 1 and tokens:
            (n,) = containing
            person_clusters[n].append(tokens)
            clusters[person_index[n]][1].append(key)
        else:
            person_clusters.append([tokens])
            person_index.append(len(clusters))
            clusters.append((label, [key]))
    return clusters


def _entity(label: str, groups: list[list[tuple[Mention, str]]]) -> Entity:
    """Build one Entity from the mention groups merged into it."""
    members = [pair for group in groups for pair in group]
    if len(members) == 1:  # most entities: nothing to choose
        mention, display = members[0]
        return Entity(text=display, label=label, count=1, first=mention.start, mentions=(mention,))
    if label == "PERSON":
        # the longest title-free form; among equals, the most frequent, then the earliest
        candidates = max(groups, key=lambda g: (len(g[0][1].split()), len(g[0][1]), len(g), -g[0][0].start))
    else:
        candidates = members
    forms = Counter(display for _, display in candidates)
    first_seen: dict[str, int] = {}
    for mention, display in sorted(candidates, key=lambda pair: pair[0].start):
        first_seen.setdefault(display, mention.start)
    text = min(forms, key=lambda form: (-forms[form], form.startswith("The "), first_seen[form]))
    ordered = tuple(sorted((m for m, _ in members), key=lambda m: (m.start, m.end)))
    return Entity(text=text, label=label, count=len(ordered), first=ordered[0].start, mentions=ordered)
