"""Resolved places: one entry per distinct place the text names, with its point.

Why here, after disambiguation: the country tags and the places come from the same
resolved items (``resolve.py``), so a place and its country never disagree. Demonyms,
metonyms and organisation names point to a country but name no place: they stay out.

score = 0.5 * count / count of the most-named place + 0.3 if in the title
      + 0.2 if in the lead paragraph.
A place is a *focus* when it scores at least 0.6 and its country is a focus country
(or it is the country itself), at most three.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.items import Item
from streams.core.geo.kinds import PlaceKind
from streams.core.geo.layout import title_end

_FEATURES = {
    PlaceKind.COUNTRY: "country",
    PlaceKind.ALIAS: "country",
    PlaceKind.CAPITAL: "capital",
    PlaceKind.CITY: "town",
    PlaceKind.ADMIN1: "state",
    PlaceKind.ADMIN2: "county",
    PlaceKind.US_COUNTY: "county",
    PlaceKind.REGION: "region",
    PlaceKind.FEATURE: "feature",
    PlaceKind.AREA: "region",
}
_TOWN_FEATURES = frozenset({"town", "capital"})
_MAX_FOCUS = 3
_FOCUS_MIN_SCORE = 0.6


@dataclass(frozen=True, slots=True)
class Mention:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PlaceTag:
    """A place the article names, where it is, and how much the article is about it."""

    geonameid: int | None
    name: str
    feature: str
    lat: float
    lon: float
    country: str
    admin1: dict[str, str] | None
    population: int | None
    count: int
    score: float
    focus: bool
    mentions: tuple[Mention, ...]
    near: tuple[int | None, str] | None = None  # (geonameid, name) of the place whose point it takes (nearby.py)


def place_key(place: Place) -> tuple:
    """The same place under two names ("U.S.", "United States") is one entry."""
    feature = _FEATURES.get(place.kind, str(place.kind))
    if place.geonameid:
        return (place.geonameid,)
    return (place.code, feature, place.admin1, place.name)


def admin1_of(place: Place, gaz: Gazetteer) -> dict[str, str] | None:
    """{code, name} of the place's first-level subdivision, when the gazetteer knows both."""
    name = gaz.admin1_names.get((place.code, place.admin1)) if place.admin1 else None
    if not name:  # a small town's code the subdivision table lacks (Serbia's "SE")
        return None
    return {"code": place.admin1, "name": name}


def to_tag(place: Place, gaz: Gazetteer, mentions: Sequence[Mention] = (), score: float = 0.0, focus: bool = False):
    feature = _FEATURES.get(place.kind, str(place.kind))
    return PlaceTag(
        geonameid=place.geonameid or None,
        name=place.name or (mentions[0].text if mentions else ""),
        feature=feature,
        lat=round(place.lat, 5),
        lon=round(place.lon, 5),
        country=place.code,
        admin1=admin1_of(place, gaz),
        population=place.population if feature in _TOWN_FEATURES and place.population else None,
        count=len(mentions),
        score=score,
        focus=focus,
        mentions=tuple(mentions),
    )


def place_tags(text: str, items: Sequence[Item], gaz: Gazetteer, focus_countries: set[str]) -> list[PlaceTag]:
    """Group the resolved items that name a place, score them, flag the focus (module docstring)."""
    groups: dict[tuple, tuple[Place, list[Item]]] = {}
    for item in items:
        place = item.chosen
        if place is None or item.kind is not None or place.kind not in _FEATURES:
            continue
        groups.setdefault(place_key(place), (place, []))[1].append(item)
    if not groups:
        return []
    end_of_title = title_end(text)
    starts = [0, *(m.end() for m in re.finditer(r"\n+", text))]
    lead = bisect.bisect_right(starts, end_of_title) - 1 + (1 if end_of_title else 0)
    top = max(len(group) for _, group in groups.values())
    scored = []
    for place, group in groups.values():
        group.sort(key=lambda i: i.start)
        paragraphs = {bisect.bisect_right(starts, i.start) - 1 for i in group}
        score = 0.5 * len(group) / top + 0.3 * (group[0].start < end_of_title) + 0.2 * (lead in paragraphs)
        scored.append((round(score, 4), place, [Mention(i.text, i.start, i.end) for i in group]))
    scored.sort(key=lambda t: (-t[0], t[2][0].start))
    tags, n_focus = [], 0
    for score, place, mentions in scored:
        focus = n_focus < _MAX_FOCUS and score >= _FOCUS_MIN_SCORE and place.code in focus_countries
        n_focus += focus
        tags.append(to_tag(place, gaz, mentions, score, focus))
    return tags
