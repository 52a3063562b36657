"""The gazetteer as read in another language: country names from pycountry's translations,
French demonyms, metonyms and exonyms, elided articles ("l'Allemagne", "d'Iran").

Why a view and not more keys in the one gazetteer: "Maurice" is Mauritius in French and a
first name in English, "Granada" is Grenada in Spanish and a Spanish town; a name is only
trusted in the language that writes it so. A view shares every table of the English
gazetteer and adds, per language, a small dict of names (a ``ChainMap`` in front of the
places index), so a language costs a few hundred kilobytes, built the first time an
article in it arrives (tens of milliseconds) and kept for the process.

Two kinds of view:

* **full** (French): the names above on top of everything the English gazetteer knows, for
  articles that went through a NER pipeline;
* **names only** (any language pycountry translates country names into: es, de, it, pt...):
  the scanner knows only country names (translated and English) and the tagger looks at
  nothing else: no towns, no demonyms, no metonyms. Precision first: better no tag than
  a German noun read as a town.
"""

from __future__ import annotations

import copy
import gettext
import re
import threading
from collections import ChainMap
from functools import cache
from typing import Any

from streams.core.geo.data import DataError, read_data
from streams.core.geo.gazetteer import Gazetteer
from streams.core.geo.kinds import COUNTRY_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.names import NameScanner, normalize_name, subdivision_names
from streams.core.geo.place import Place

#: Languages with a curated table ``data/geo_lang_<code>.json``: short country names, seas and
#: regions that are no country, names to ignore; for French also demonyms and metonyms.
CURATED_LANGUAGES = ("fr", "es", "de", "it", "pt")

_views: dict[tuple[int, str, bool], Gazetteer] = {}
_lock = threading.Lock()


def localized(base: Gazetteer, language: str, *, names_only: bool = False) -> Gazetteer:
    """The view of ``base`` for ``language`` (built once per process and language)."""
    key = (id(base), language, names_only)
    view = _views.get(key)
    if view is None:
        with _lock:
            view = _views.get(key)
            if view is None:
                view = _views[key] = _build(base, language, names_only)
    return view


def has_country_names(language: str) -> bool:
    """Whether pycountry translates country names into ``language``."""
    return bool(translated_country_names(language))


@cache
def translated_country_names(language: str) -> tuple[tuple[str, str], ...]:
    """(name, ISO code) pairs of pycountry's ``iso3166-1`` translations into ``language``:
    every translated name, common name and official name, and the head of an inverted one
    ("Corée, République de" -> "Corée") when no other country's head is the same. Empty
    when pycountry has no such locale."""
    import pycountry

    try:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return ()
    pairs: list[tuple[str, str]] = []
    heads: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            english = getattr(country, attribute, None)
            if not english:
                continue
            name = catalogue.gettext(english)
            if name == english and attribute != "common_name":
                continue  # untranslated: the English gazetteer has it already
            head, comma, _ = name.partition(",")
            pairs.append((name, country.alpha_2))
            if comma:
                heads.setdefault(head.strip(), set()).add(country.alpha_2)
    pairs += [(head, codes.pop()) for head, codes in heads.items() if len(codes) == 1]
    return tuple(dict.fromkeys(pairs))


@cache
def translated_subdivision_names(language: str) -> tuple[tuple[str, str, str], ...]:
    """(name, English name, country code) of the ISO 3166-2 subdivisions pycountry's
    ``iso3166-2`` locale translates into ``language`` ("Louisiane", "Bavière", "Nouvelle-Écosse")."""
    import pycountry

    try:
        catalogue = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return ()
    found = []
    for sub in pycountry.subdivisions:
        name = catalogue.gettext(sub.name)
        if name != sub.name:
            english, translated = subdivision_names(sub.name), subdivision_names(name)
            if english and translated:
                found.append((translated[0], english[0], sub.country_code))
    return tuple(found)


def _build(base: Gazetteer, language: str, names_only: bool) -> Gazetteer:
    view = copy.copy(base)
    curated = _curated(language)
    vetoed = {normalize_name(n) for n in curated.get("veto", ())}
    countries = _country_places(base)
    names = [(n, c) for n, c in translated_country_names(language) if normalize_name(n) not in vetoed]
    names += list(curated.get("countries", {}).items())
    if curated.get("genitive_s"):  # "Russlands Präsident"
        names += [(name + "s", code) for name, code in names if not name.endswith(("s", "x", "z", "ß"))]
    not_countries = list(curated.get("not_countries", ()))
    view.excluded = base.excluded | {normalize_name(name) for name in not_countries}
    added: dict[str, list[Place]] = {}
    for name, code in names:
        place = countries.get(code)
        key = normalize_name(name)
        if place is None or not key or key in view.excluded:
            continue
        bucket = added.setdefault(key, list(base.places.get(key, ())))
        if place not in bucket:
            bucket.insert(0, place)  # a country's own name in this language comes first
    subdivisions: list[str] = []
    if not names_only:
        for name, english, code in translated_subdivision_names(language):  # "Louisiane", "Nouvelle-Écosse"
            key = normalize_name(name)
            states = [p for p in base.places.get(normalize_name(english), ())
                      if p.code == code and p.kind in (PlaceKind.ADMIN1, PlaceKind.ADMIN2, PlaceKind.REGION)]
            if states and key and key not in view.excluded:
                bucket = added.setdefault(key, list(base.places.get(key, ())))
                bucket.extend(p for p in states if p not in bucket)
                subdivisions.append(name)
        for name, geonames_name in curated.get("towns", {}).items():  # "Mexico" is Mexico City in French
            towns = [p for p in base.places.get(normalize_name(geonames_name), ()) if p.kind in TOWN_KINDS]
            if not towns:
                raise DataError(f"geo_lang_{language}.json: town {geonames_name!r} ({name!r}) is not in the gazetteer")
            town = max(towns, key=lambda p: p.population)
            key = normalize_name(name)
            bucket = added.setdefault(key, list(base.places.get(key, ())))
            bucket[:] = [town] + [p for p in bucket if p.geonameid != town.geonameid]
        for name, english in curated.get("features", {}).items():  # "Nil", "lac Léman", "Alpes"
            features = base.places.get(normalize_name(english), ())
            if not features:
                raise DataError(f"geo_lang_{language}.json: feature {english!r} ({name!r}) is not in the gazetteer")
            key = normalize_name(name)
            bucket = added.setdefault(key, list(base.places.get(key, ())))
            bucket[:] = list(features) + [p for p in bucket if p not in features]
        for key, exonyms in base.exonyms.items():  # "Pékin": Beijing beside Pekin, Illinois
            bucket = added.setdefault(key, list(base.places.get(key, ())))
            bucket.extend(p for p in exonyms if p not in bucket)
    view.places = ChainMap({k: tuple(v) for k, v in added.items()}, base.places)  # type: ignore[assignment]
    country_forms = [name for name, _ in names]
    excluded = [k for k, wanted in base.scanner.names.items() if not wanted] + not_countries
    if names_only:
        english = [k for k, wanted in base.scanner.names.items()
                   if wanted and normalize_name(k) not in vetoed
                   and any(p.kind in COUNTRY_KINDS for p in base.places.get(normalize_name(k), ()))]
        view.scanner = NameScanner(english + country_forms, excluded)
        view.demonyms, view.metonyms, view.combining = {}, {}, {}
        return view
    demonyms = _demonyms(language)
    metonyms = {normalize_name(name): code for name, code in curated.get("metonyms", {}).items()}
    view.demonyms = {**base.demonyms, **demonyms, **_combining(language)}
    view.metonyms = {**base.metonyms, **metonyms}
    capitalised = [form[0].upper() + form[1:] for form in demonyms]
    forms = [k for k, wanted in base.scanner.names.items() if wanted]
    # subdivisions are consumed whole by the scan and ignored there: "Nouvelle-Écosse" names no Scotland
    view.scanner = NameScanner(forms + country_forms + list(curated.get("metonyms", {})) + capitalised,
                               excluded + subdivisions)
    inner = [k for k, wanted in base.inner_scanner.names.items() if wanted]
    view.inner_scanner = NameScanner(inner + country_forms + capitalised, excluded)
    return view


def _country_places(base: Gazetteer) -> dict[str, Place]:
    """The gazetteer's country place of each code (the one its English name gives)."""
    found: dict[str, Place] = {}
    for code, name in base.country_names.items():
        for place in base.places.get(normalize_name(name), ()):
            if place.kind is PlaceKind.COUNTRY and place.code == code:
                found[code] = place
                break
    return found


@cache
def _curated(language: str) -> dict[str, Any]:
    if language not in CURATED_LANGUAGES:
        return {}
    return read_data(f"geo_lang_{language}.json")


def demonym_forms(curated: dict[str, Any]) -> dict[str, str]:
    """Normalised demonym -> code, every form: masculine singular as listed, then the
    regular feminine and plurals ("iranien" -> "iranienne", "iraniens", "iraniennes"),
    then the irregular forms listed."""
    table: dict[str, str] = {}
    for word, code in curated.get("demonyms", {}).items():
        for form in french_forms(word):
            table.setdefault(normalize_name(form), code)
    for form, code in curated.get("demonym_forms", {}).items():
        table[normalize_name(form)] = code
    return table


def french_forms(word: str) -> list[str]:
    """The four forms of a French nationality adjective from its masculine singular."""
    if word.endswith("e"):
        return [word, word + "s"]
    if word.endswith(("s", "x")):  # français, française, françaises
        return [word, word + "e", word + "es"]
    if word.endswith(("ien", "éen", "en")) and not word.endswith("ain"):
        return [word, word + "ne", word + "s", word + "nes"]
    return [word, word + "e", word + "s", word + "es"]


# -- French text: elided articles, articles before names, demonyms ---------------------

#: "l'Allemagne", "d'Iran", "qu'Israël", "jusqu'à Moscou"; Italian "all'Austria", "dell'Italia":
#: the elided word before a name.
_ELISION = re.compile(r"(?<![\w'’-])(?:[lLdDjJnNsS]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Aa]ll|[Dd]ell|[Nn]ell|[Ss]ull"
                      r"|[Dd]all|[Uu]n)['’](?=[^\W\d_])")
#: A capitalised word right before: the elision is part of a name ("Côte d'Ivoire", "Quai d'Orsay").
_NAME_BEFORE = re.compile(r"[A-ZÀ-ÖØ-Þ][\w-]*[ \u00a0-]$")


def mask_elisions(text: str) -> str:
    """``text`` with elided articles before words replaced by spaces (same length, so every
    offset still holds): "l'Allemagne" -> "  Allemagne", found by the name scanner like a
    name after a space. Inside a name ("Côte d'Ivoire") they are kept."""

    def mask(match: re.Match[str]) -> str:
        if _NAME_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            return match.group()
        return " " * len(match.group())

    return _ELISION.sub(mask, text)


def not_country_spans(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) of the names in ``text`` that hold a country's name and are no country
    ("golfe du Mexique", "Nouvelle-Écosse", "Golfo de México"), in any case: French writes
    "golfe" and "mer" in lower case, where the name scanner, which starts at capitals, cannot
    see them to consume them whole."""
    pattern = _not_country_pattern(language)
    return [match.span() for match in pattern.finditer(text)] if pattern is not None else []


@cache
def _not_country_pattern(language: str) -> re.Pattern[str] | None:
    names = sorted(_curated(language).get("not_countries", ()), key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(name).replace("'", "['’]") for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (offsets kept)."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], " " * (end - start)]
        last = end
    return "".join(parts) + text[last:]


#: Articles and contracted prepositions that open a French NER span ("La Pologne", "l'Allemagne").
_LEADING_ARTICLE = re.compile(
    r"^(?:(?:[lLdD]|[Qq]u|[Jj]usqu)['’]|(?:[Ll]a|[Ll]e|[Ll]es|[Dd]u|[Dd]es|[Aa]u|[Aa]ux|[Dd]e|[Ee]n)[ \u00a0]"
    r"(?:l['’])?)"
)


def without_article(span: str, gaz: Gazetteer) -> int:
    """How many leading characters of a French span are an article to drop: none when the
    whole span is a name the gazetteer knows ("Le Caire", "La Paz", "Le Havre")."""
    match = _LEADING_ARTICLE.match(span)
    if match is None or match.end() >= len(span):
        return 0
    key = normalize_name(span)
    if key in gaz.places or key in gaz.metonyms:
        return 0
    return match.end()


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def demonym_spans(text: str, gaz: Gazetteer, curated_language: str) -> list[tuple[int, int]]:
    """(start, end) of the nationality adjectives and nouns in French ``text`` ("le ministre
    français", "les Iraniens", "la diplomatie sud-coréenne"), except after a word that makes
    them a language or a cuisine ("en français", "frites belges")."""
    forms = _demonyms(curated_language)
    before = _not_country_before(curated_language)
    combining = _combining(curated_language)
    spans = []
    for match in _WORD.finditer(text):
        key = normalize_name(match.group())
        if key in forms:
            found = [match.span()]
        elif "-" in match.group():  # "italo-suisse", "franco-allemand": every part names a country
            parts = [(part.start() + match.start(), part.end() + match.start(), normalize_name(part.group()))
                     for part in re.finditer(r"[^-]+", match.group())]
            if not all(k in combining or k in forms for _, _, k in parts[:-1]) or parts[-1][2] not in forms:
                continue
            found = [(s, e) for s, e, _ in parts]
        else:
            continue
        previous = text[max(0, match.start() - 20) : match.start()].lower().split()
        if previous and (previous[-1] in before or " ".join(previous[-2:]) in before):
            continue
        spans += found
    return spans


@cache
def _combining(language: str) -> dict[str, str]:
    return {normalize_name(form): code for form, code in _curated(language).get("combining_forms", {}).items()}


@cache
def _demonyms(language: str) -> dict[str, str]:
    return demonym_forms(_curated(language))


@cache
def _not_country_before(language: str) -> frozenset[str]:
    return frozenset(_curated(language).get("not_country_before", ()))
