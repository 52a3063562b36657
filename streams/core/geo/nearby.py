"""Creeks, lakes and parks the data holds no point for, placed at the place named nearest to
them ("the Big Sandy River", "Paradise Creek", "Letchworth State Park").

Why: local news names such features as often as towns, and no table of the pinned packages
lists them (GeoNames' feature tables are not packaged). Such a name is almost always near the
places its story names, so it takes the point, country and first-level division of the town or
county named closest to it in the text (a feature of the tables when the article names no town);
``near`` says which place, and so that the point is approximate. A name is taken when its form
says it is a feature, whatever NER's label: a head word after it ("River", "Creek", "State
Park") or before it ("Lake", "Mount", "Bayou"), from ``geo_nearby.json``. Such a place is never
a focus and adds no country tag: its country is its anchor's, which is tagged already.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
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
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(head words after a name, head words before one, words that make a span no place)."""
    data = read_data("geo_nearby.json")
    return (frozenset(data["after"]), frozenset(data["before"]), frozenset(data["not_places"]))


def is_feature_name(name: str) -> bool:
    """Whether ``name`` has the form of a natural feature or a park (a head word and a name)."""
    after, before, never = _words()
    words = _WORD.findall(name)
    if len(words) < 2 or not all(w[:1].isupper() or w.lower() in _LINKS for w in words):
        return False
    if any(w in never for w in words):
        return False
    return words[-1] in after or words[0] in before


def nearby_places(text: str, mentions: Sequence[Mention], places: Sequence[PlaceTag],
                  taken: Sequence[tuple[int, int]] = ()) -> list[PlaceTag]:
    """Places for the feature-like mentions no resolved place or ``taken`` span covers, each at the
    point of the anchor named nearest to it (module docstring); in order of first mention."""
    anchors = _anchors(places, _TOWN_OR_COUNTY) or _anchors(places, {"feature"})
    if not anchors:
        return []
    covered = sorted([(m.start, m.end) for tag in places for m in tag.mentions] + list(taken))
    starts = [a[0] for a in anchors]
    found: dict[str, tuple[PlaceTag, list[PlaceMention]]] = {}
    for mention in mentions:
        start, end = bare_span(text, mention.start, mention.end)
        name = text[start:end]
        if not is_feature_name(name) or any(s < end and start < e for s, e in covered):
            continue
        anchor = _nearest(anchors, starts, start)
        key = name.lower()
        if key not in found:
            found[key] = (anchor, [])
        found[key][1].append(PlaceMention(name, start, end))
    return [
        replace(anchor, geonameid=None, name=group[0].text, feature="feature", population=None, count=len(group),
                score=0.0, focus=False, mentions=tuple(group), near=(anchor.geonameid, anchor.name))
        for anchor, group in found.values()
    ]


def _anchors(places: Sequence[PlaceTag], features: set[str] | frozenset[str]) -> list[tuple[int, PlaceTag]]:
    """(start, place) of every mention of a place of those features, in text order."""
    return sorted(((m.start, tag) for tag in places if tag.feature in features for m in tag.mentions),
                  key=lambda a: a[0])


def _nearest(anchors: list[tuple[int, PlaceTag]], starts: list[int], at: int) -> PlaceTag:
    i = bisect.bisect_left(starts, at)
    candidates = [anchors[j] for j in (i - 1, i) if 0 <= j < len(anchors)]
    return min(candidates, key=lambda a: abs(a[0] - at))[1]
