"""Creeks, lakes and parks the data holds no point for, placed at the place named nearest to
them ("the Big Sandy River", "Paradise Creek", "Letchworth State Park").

Why: local news names such features as often as towns, and no table of the pinned packages
lists them (GeoNames' feature tables are not packaged). Such a name is almost always near the
places its story names, so it takes the point, country and first-level division of the town or
county named closest to it in the text (a feature of the tables when the article names no town);
``near`` says which place, and so that the point is approximate. A name is taken when its form
says it is a feature: a head word after it ("River", "Creek", "State Park") or before it
("Lake", "Mount", "Bayou"), from ``geo_nearby.json``. A *strong* head
("River", "Creek", "State Park") is enough under any label but a nationality's, a product's, a
law's, a work's or an event's; a *weak* one ("Park", "Hill", "Lake", "Woods", the names of people
and teams too: "Tiger Woods", "Kari Lake", "Nottingham Forest") also needs NER's LOC, or GPE or FAC
and a preposition before the name ("at Jackson Park"), and no word of it that is someone's elsewhere
("Woods said"). A span that opens with a resolved place's name and runs on ("the Fort Wayne Mad
Ants") is no feature. The anchor is the nearest such place in the same paragraph, else
in the article, measured between the two spans. Such a place is never a focus and adds no country
tag: its country is its anchor's, which is tagged already.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache

from streams.core.geo.data import read_data
from streams.core.geo.names import bare_span
from streams.core.geo.places import Mention as PlaceMention
from streams.core.geo.places import PlaceTag
from streams.core.nlp import Mention

#: Kinds of resolved place whose point may stand for a feature named beside them: a state's or a
#: country's point is too far from most of what they hold.
_TOWN_OR_COUNTY = frozenset({"town", "capital", "county"})
_WORD = re.compile(r"[^\W\d_][\w.'’-]*")
#: Lower-case words a name may hold ("Sangre de Cristo Mountains", "Lac qui Parle Lake").
_LINKS = frozenset({"of", "de", "la", "du", "des", "qui", "and", "the"})


@cache
def _words() -> dict[str, frozenset[str]]:
    """The word lists of ``geo_nearby.json``."""
    return {key: frozenset(words) for key, words in read_data("geo_nearby.json").items() if key != "_source"}


#: NER labels under which a name is never a feature ("Sierra Leonean", "Mt. Gox", "the Battle of Bunker Hill").
_NEVER_LABELS = frozenset({"NORP", "PRODUCT", "LAW", "WORK_OF_ART", "EVENT", "LANGUAGE"})
_WEAK_LABELS = frozenset({"GPE", "FAC"})  # ... with a preposition before the name
_PREPOSITION_BEFORE = re.compile(
    r"(?i:\b(?:in|at|near|on|into|onto|across|along|around|through|toward|towards|to|from|off|over|past|below|"
    r"above|beside|behind|beyond|within|outside|inside|up|down|upstream|downstream))[ \u00a0]+(?:the[ \u00a0]+)?$")


def head_strength(name: str) -> str | None:
    """ "strong", "weak" or None: whether ``name`` has the form of a feature or a park, and how sure
    its head word makes it (module docstring)."""
    lists = _words()
    words = _WORD.findall(name)
    if len(words) < 2 or not all(w[:1].isupper() or w.lower() in _LINKS for w in words):
        return None
    if any(w in lists["not_places"] for w in words):
        return None
    last_two = " ".join(words[-2:])
    if words[-1] in lists["strong_after"] or last_two in lists["strong_after"] or words[0] in lists["strong_before"]:
        return "strong"
    if words[-1] in lists["after"] or words[0] in lists["before"]:
        return "weak"
    return None


def nearby_places(text: str, mentions: Sequence[Mention], places: Sequence[PlaceTag],
                  taken: Sequence[tuple[int, int]] = (), skip: Callable[[str], bool] | None = None,
                  known: Callable[[str], bool] | None = None) -> list[PlaceTag]:
    """Places for the feature-like mentions no resolved place or ``taken`` span covers, each at the
    point of the anchor named nearest to it (module docstring); in order of first mention. ``skip``:
    names known to be no such place (a demonym, a name that never makes a tag); ``known``: names of
    the gazetteer, so that a name opening with one runs on into a team's ("Lake Erie Crushers")."""
    anchors = _anchors(places, _TOWN_OR_COUNTY) or _anchors(places, frozenset({"feature"}))
    if not anchors:
        return []
    covered = sorted([(m.start, m.end) for tag in places for m in tag.mentions] + list(taken))
    place_names = {m.text.lower() for tag in places for m in tag.mentions}
    people = [m.text for m in mentions if m.label == "PERSON"]
    paragraphs = [0, *(m.end() for m in re.finditer(r"\n\s*\n", text))]
    found: dict[str, tuple[PlaceTag, list[PlaceMention]]] = {}
    for mention in mentions:
        if mention.label in _NEVER_LABELS:
            continue
        start, end = bare_span(text, mention.start, mention.end)
        name = text[start:end]
        strength = head_strength(name)
        if strength is None or any(s < end and start < e for s, e in covered) or (skip is not None and skip(name)):
            continue
        if strength == "weak" and not _weak_taken(text, start, mention.label, name, people):
            continue
        if _opens_with_a_place(name, place_names) or (known is not None and _runs_on_from_a_place(name, known)):
            continue
        anchor = _nearest(anchors, start, end, paragraphs)
        key = name.lower()
        if key not in found:
            found[key] = (anchor, [])
        found[key][1].append(PlaceMention(name, start, end))
    return [
        replace(anchor, geonameid=None, name=group[0].text, feature="feature", population=None, count=len(group),
                score=0.0, focus=False, mentions=tuple(group), near=(anchor.geonameid, anchor.name))
        for anchor, group in found.values()
    ]


def _weak_taken(text: str, start: int, label: str, name: str, people: list[str]) -> bool:
    """A weak head counts under NER's LOC, or under GPE or FAC after a preposition ("at Jackson Park"),
    and never when a word of the name is someone's elsewhere in the text ("Woods said")."""
    if label != "LOC" and not (label in _WEAK_LABELS and _PREPOSITION_BEFORE.search(text, max(0, start - 24), start)):
        return False
    return not _someones_name(name, people)


def _opens_with_a_place(name: str, place_names: set[str]) -> bool:
    """ "Fort Wayne Mad Ants", "Lake Erie Crushers": a resolved place's name and more words."""
    lowered = name.lower()
    return any(lowered.startswith(place + " ") for place in place_names)


def _runs_on_from_a_place(name: str, known: Callable[[str], bool]) -> bool:
    """ "Lake Erie Crushers": a name headed before ("Lake") whose opening words are a known place and
    whose last word is no head word (a team's, a company's)."""
    lists = _words()
    words = name.split()
    if len(words) < 3 or words[-1] in lists["strong_after"] or words[-1] in lists["after"]:
        return False
    return any(known(" ".join(words[:n])) for n in range(2, len(words)))


def _someones_name(name: str, people: list[str]) -> bool:
    """ "Tiger Woods" when the text also calls someone "Woods": a word of the name is in another person's."""
    words = {w for w in _WORD.findall(name) if w.lower() not in _LINKS}
    return any(words & set(_WORD.findall(person)) for person in people if name not in person)


def _anchors(places: Sequence[PlaceTag], features: frozenset[str]) -> list[tuple[int, int, PlaceTag]]:
    """(start, end, place) of every mention of a place of those features, in text order."""
    return sorted(((m.start, m.end, tag) for tag in places if tag.feature in features for m in tag.mentions),
                  key=lambda a: a[0])


def _nearest(anchors: list[tuple[int, int, PlaceTag]], start: int, end: int, paragraphs: list[int]) -> PlaceTag:
    """The anchor nearest the span (the gap between the two), in its paragraph when one is there."""
    i = bisect.bisect_right(paragraphs, start) - 1
    lo, hi = paragraphs[i], paragraphs[i + 1] if i + 1 < len(paragraphs) else float("inf")
    same = [a for a in anchors if lo <= a[0] < hi]
    pool = same or anchors
    return min(pool, key=lambda a: max(a[0] - end, start - a[1], 0))[2]
