"""Geography as context: distances, the producer's source and url, small-town clusters.

Why: a name's neighbours say which of its senses the article means. "Cottonport" and
"Avoyelles Parish" lie 15 km apart, so the Louisiana senses make the article coherent;
"The Avoyelles Journal" or ``mansfieldnewsjournal.com`` say where a local paper's
stories are before the text names a single place. These clues only weigh candidates
(``resolve.py``): they never make a tag themselves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.kinds import COUNTRY_KINDS, PlaceKind
from streams.core.geo.names import normalize_name

_EARTH_KM = 6371.0088
#: Country-code top-level domains whose papers write about that country ("co.uk").
_TLD_COUNTRY = {"uk": "GB", "ie": "IE", "ca": "CA", "au": "AU", "nz": "NZ", "in": "IN", "za": "ZA", "us": "US"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'.-]*")
#: Words of a paper's name that are never its place ("The Daily News", "Journal").
_NEWS_WORDS = frozenset({
    "the", "daily", "news", "journal", "times", "post", "herald", "tribune", "gazette", "record", "press",
    "star", "sun", "register", "courier", "leader", "chronicle", "observer", "review", "bulletin",
    "dispatch", "sentinel", "telegraph", "today", "weekly", "online", "media", "newspaper", "newspapers",
    "radio", "tv", "public", "group", "network", "com", "net", "org", "www",
})


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def has_point(place: Place) -> bool:
    return bool(place.lat or place.lon)


def nearest_km(place: Place, anchors: Iterable[Place]) -> float:
    """Distance to the nearest anchor (inf without one). Called for every candidate of
    every name: the anchors are few, and an exact anchor (the place itself) ends it."""
    best = math.inf
    for a in anchors:
        if a.lat == place.lat and a.lon == place.lon:
            return 0.0
        if (a.lat or a.lon) and abs(a.lat - place.lat) * 111.2 < best:  # a degree of latitude
            best = min(best, km(place.lat, place.lon, a.lat, a.lon))
    return best


@dataclass(slots=True)
class SourceHints:
    """Where the producer's source and url say the article is from."""

    regions: set[tuple[str, str]] = field(default_factory=set)  # (country, US state) any hint name may mean
    strong: set[tuple[str, str]] = field(default_factory=set)  # ... of hint names with a single sense
    places: list[Place] = field(default_factory=list)  # the places of single-sense hint names
    country: str | None = None  # from a country-code domain


def _local_senses(places: Sequence[Place]) -> list[Place]:
    return [p for p in places if p.admin1 and p.kind not in COUNTRY_KINDS]


def _name_senses(gaz: Gazetteer, key: str) -> list[Place]:
    """A hint word's local senses: the name, or the county or parish of that name."""
    found = list(_local_senses(gaz.places.get(key, ())))
    for suffix in (" parish", " county"):
        found += [p for p in gaz.places.get(key + suffix, ()) if p.kind == PlaceKind.US_COUNTY]
    return found


def _domain_names(host: str, gaz: Gazetteer) -> Iterable[str]:
    """"mansfieldnewsjournal" -> "mansfield": the longest known name a domain label starts with."""
    for label in re.split(r"[.-]", host.lower()):
        if len(label) < 4 or label in _NEWS_WORDS:
            continue
        for cut in range(len(label), 3, -1):
            if _name_senses(gaz, label[:cut]):
                yield label[:cut]
                break


def source_hints(source: str | None, url: str | None, gaz: Gazetteer) -> SourceHints:
    """Names of places in the paper's name and domain (module docstring)."""
    hints = SourceHints()
    keys: list[str] = []
    if source:
        words = [w for w in _WORD.findall(source) if w.lower() not in _NEWS_WORDS]
        for n in (3, 2, 1):  # "Baton Rouge", "Elbow Lake", "Avoyelles"
            for i in range(len(words) - n + 1):
                key = normalize_name(" ".join(words[i : i + n]))
                if _name_senses(gaz, key) and not any(key in k for k in keys):
                    keys.append(key)
    host = urlsplit(url).hostname or "" if url else ""
    if host:
        keys += [k for k in _domain_names(host.removeprefix("www."), gaz) if k not in keys]
        hints.country = _TLD_COUNTRY.get(host.rsplit(".", 1)[-1])
    for key in keys:
        senses = _name_senses(gaz, key)
        if hints.country:
            senses = [p for p in senses if p.code == hints.country] or senses
        regions = {(p.code, p.admin1) for p in senses}
        hints.regions |= regions
        if len(regions) == 1:
            hints.strong |= regions
            hints.places.append(max(senses, key=lambda p: p.population))
    return hints


def minor_clusters(candidate_lists: Iterable[tuple[str, Sequence[Place]]], max_km: float) -> set[tuple[str, str]]:
    """States of small towns that lie within ``max_km`` of a town of another name in the
    article: two villages 15 km apart are a place, not two coincidences. Only names with
    no bigger sense count: "Oxford" and "Hardwick" both have New Jersey villages."""
    towns = [(key, p) for key, places in candidate_lists if all(p.minor for p in places) for p in places]
    regions: set[tuple[str, str]] = set()
    for i, (key, place) in enumerate(towns):
        for other_key, other in towns[i + 1 :]:
            if other_key != key and km(place.lat, place.lon, other.lat, other.lon) <= max_km:
                regions.update({(place.code, place.admin1), (other.code, other.admin1)})
    return regions
