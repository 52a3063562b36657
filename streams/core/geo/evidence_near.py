"""Place names NER did not label at all ("Coventry", "Avondale Estates", "the Ohio
River"): local news names many small places the small spaCy model skips.

Capitalised runs of one to three words that no mention covers are looked up, longest
first. A name with a feature word ("Ohio River", "Research Triangle") is distinctive
enough to be a place; any other (a town, a county, a one-word region) is *weak and near
only*, like a town NER called a person: kept only within NEAR_KM of the article's other
places (``refine.py``), so "Reading" or "Mobile" in an unrelated story never becomes a
town. Skipped: a single word that starts a sentence (unless a capital or a big town no
first name precedes anywhere: "Kyiv called on Warsaw"), words the text also writes in lower
case ("a nice view"), short words, and the dateline.
"""

from __future__ import annotations

import re

from streams.core.geo.evidence_org import PERSON_AFTER, first_name_before
from streams.core.geo.gazetteer import Gazetteer
from streams.core.geo.items import Item
from streams.core.geo.kinds import COUNTRY_KINDS, FEATURE_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.names import normalize_name
from streams.core.geo.place import Place
from streams.core.geo.weights import BIG_TOWN_POPULATION

_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*[\w](?:[ \u00a0](?:of[ \u00a0])?[A-ZÀ-ÖØ-Þ][\w'’.-]*[\w]){0,3}")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\"“”]\s+|\n\s*)$")
_LOWER_WORD = re.compile(r"\b[a-z][\w'’.-]*")
_NEAR_KINDS = frozenset({PlaceKind.CITY, PlaceKind.CAPITAL, PlaceKind.US_COUNTY, PlaceKind.FEATURE, PlaceKind.AREA})


def uncovered_place_items(text: str, covered: bytearray, gaz: Gazetteer, dl_start: int, dl_end: int) -> list[Item]:
    """The module docstring's items, in text order."""
    items = []
    lower = frozenset(_LOWER_WORD.findall(text))  # words the text writes in lower case
    for run in _RUN.finditer(text):
        words = [(m.start() + run.start(), m.end() + run.start()) for m in re.finditer(r"\S+", run.group())]
        i = 0
        while i < len(words):
            item = _longest(text, lower, words, i, covered, gaz, dl_start, dl_end)
            if item is None:
                i += 1
                continue
            items.append(item)
            i += len(re.findall(r"\S+", item.text))
    return items


def _longest(
    text: str,
    lower: frozenset[str],
    words: list[tuple[int, int]],
    i: int,
    covered: bytearray,
    gaz: Gazetteer,
    dl_start: int,
    dl_end: int,
) -> Item | None:
    """The longest name of up to three words from ``words[i]`` (module docstring)."""
    for j in range(min(len(words), i + 3), i, -1):
        s, e = words[i][0], words[j - 1][1]
        if any(covered[s:e]) or dl_start <= s < dl_end or e - s < 4:
            continue
        span = text[s:e]
        key = normalize_name(span)
        if key in gaz.excluded or key in gaz.metonyms:
            continue
        candidates = gaz.places.get(key, ())
        if not candidates or any(p.kind in COUNTRY_KINDS for p in candidates):
            continue  # countries are the scanner's (evidence_scan.py)
        if all(p.kind in FEATURE_KINDS for p in candidates) and j - i > 1:
            return Item(span, s, e, None, candidates, key)  # "the Ohio River"
        near = tuple(p for p in candidates if p.kind in _NEAR_KINDS)
        if not near:
            continue
        if j - i == 1 and _SENTENCE_START.search(text, max(0, s - 3), s) and not _big_town_opening(text, span, e, near):
            continue
        if (span.lower() in lower) if j - i == 1 else (span.lower() in text):  # "a nice view": a word here
            continue
        return Item(span, s, e, None, near, key, confirm=True, near_only=True, misread="unlabelled")
    return None


def _big_town_opening(text: str, span: str, end: int, candidates: tuple[Place, ...]) -> bool:
    """A sentence may open with a capital or a big town ("Kyiv called on Warsaw", "Pune and
    Chennai"), not with a person's surname: no first name before it anywhere, no "said" after."""
    if not any(p.kind in TOWN_KINDS and (p.kind == PlaceKind.CAPITAL or p.population >= BIG_TOWN_POPULATION)
               for p in candidates):
        return False
    return not PERSON_AFTER.match(text, end) and not first_name_before(text, span)
