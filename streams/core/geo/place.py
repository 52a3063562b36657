"""One gazetteer entry: what a name may refer to, and where it is."""

from __future__ import annotations

from typing import NamedTuple

from streams.core.geo.kinds import PlaceKind


class Place(NamedTuple):
    """One gazetteer entry a name can refer to (plain tuples: ~100k of them stay in memory)."""

    code: str  # ISO 3166-1 alpha-2
    kind: PlaceKind
    admin1: str  # geonames admin1 code ("GA" for US states, "ENG"), "" when unknown
    population: int  # towns: their own; states/provinces: their country's (for the prior)
    alternate: bool  # from geonames alternatenames ("Kiev"), not the main name
    geonameid: int = 0  # 0: none known (a curated region, a Canadian county)
    name: str = ""  # GeoNames' name, for the reader
    lat: float = 0.0
    lon: float = 0.0
    minor: bool = False  # a small town of the extended table: needs context (resolve.py)
