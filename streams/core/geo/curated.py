"""The curated word tables of the gazetteer: demonyms, metonyms, qualifiers, and the
checks that every curated entry does something (a mixin of :class:`Gazetteer`, apart
from ``gazetteer.py`` because these tables index no place)."""

from __future__ import annotations

import pycountry

from streams.core.geo.data import (
    CAMEL_SKIP,
    COMMON_NOUN_COUNTRIES,
    INNER_AMBIGUOUS,
    SCAN_AMBIGUOUS,
    SCAN_SKIP_METONYMS,
    DataError,
)
from streams.core.geo.kinds import COUNTRY_KINDS, QUALIFIER_KINDS, PlaceKind
from streams.core.geo.names import normalize_name, plural
from streams.core.geo.place import Place


class CuratedTables:
    """Demonyms, combining forms, metonyms and qualifiers (``Gazetteer.build`` calls these
    after the places are indexed)."""

    places: dict[str, tuple[Place, ...]]
    demonyms: dict[str, str]
    combining: dict[str, str]
    metonyms: dict[str, str]
    abbreviations: dict[str, Place]
    postal: dict[str, Place]
    regions: dict[str, tuple[Place, ...]]

    def _add_demonyms_and_metonyms(self) -> set[str]:
        """Curated demonyms (+ regular plurals), combining forms and metonyms. Returns the
        demonyms as written, for the scan inside ORG spans. Two entries whose keys meet
        with different countries are an error: one of them would be ignored."""
        table = self._read("geo_demonyms.json")
        forms: set[str] = set()
        written: dict[str, str] = {}  # key -> the entry that gave it
        for word, code in table["demonyms"].items():
            self._check_code("geo_demonyms.json", word, code)
            for form in (word, plural(word)):
                if form:
                    key = normalize_name(form)
                    _check_same_country("geo_demonyms.json", form, code, written.get(key), self.demonyms.get(key))
                    written.setdefault(key, form)
                    self.demonyms.setdefault(key, code)
                    forms.add(form)
        for word, code in table["irregular_plurals"].items():
            self._check_code("geo_demonyms.json", word, code)
            key = normalize_name(word)
            _check_same_country("geo_demonyms.json", word, code, written.get(key), self.demonyms.get(key))
            self.demonyms[key] = code
            forms.add(word)
        self.combining = self._curated_table("geo_demonyms.json", table["combining_forms"])
        self.metonyms = self._curated_table("geo_metonyms.json", self._read("geo_metonyms.json")["metonyms"])
        return forms

    def _curated_table(self, source: str, entries: dict[str, str]) -> dict[str, str]:
        """Normalised name -> code, refusing unknown codes and keys that meet."""
        table: dict[str, str] = {}
        written: dict[str, str] = {}
        for word, code in entries.items():
            self._check_code(source, word, code)
            key = normalize_name(word)
            _check_same_country(source, word, code, written.get(key), table.get(key))
            written[key], table[key] = word, code
        return table

    def _add_qualifiers(self, population: dict[str, int]) -> None:
        """What may follow "Town, ...": AP/CP abbreviations, and every country or
        state/province name of the index. A Canadian abbreviation is the province (its
        GeoNames id and point) but narrows a town to the country only, as the province's
        own name does: geonames numbers Canadian provinces ("08"), ISO 3166-2 ("ON") does
        not give them to towns."""
        table = self._read("geo_state_abbreviations.json")
        for country in ("US", "CA"):
            for raw, admin in table[country].items():
                if country == "US" and admin not in self.postal:
                    raise DataError(f"geo_state_abbreviations.json: {raw!r} -> {admin!r} is no US state code")
                if country == "US":
                    place = self.postal[admin]
                else:  # the province itself (its id and point), narrowing a town to the country only
                    place = self._province(admin) or Place(
                        country, PlaceKind.ADMIN1, "", population[country], False, *self._point_of(country))
                self.abbreviations[raw] = place
        self.regions = {
            key: regions
            for key, bucket in self.places.items()
            if (regions := tuple(p for p in bucket if p.kind in QUALIFIER_KINDS))
        }

    def _province(self, iso_suffix: str) -> Place | None:
        """The index's entry of a Canadian province by its ISO 3166-2 code ("ON")."""
        subdivision = pycountry.subdivisions.get(code=f"CA-{iso_suffix}")
        if subdivision is None:
            return None
        bucket = self.places.get(normalize_name(subdivision.name), ())
        return next((p for p in bucket if p.code == "CA" and p.kind == PlaceKind.ADMIN1), None)

    def _check_word_lists(self, metonyms: dict[str, str]) -> None:
        """Each word list that qualifies country names must name countries (and the skip
        list metonyms): an entry that matches nothing has no effect."""
        for source, entries, keyed in (
            ("geo_scan_ambiguous.json", SCAN_AMBIGUOUS, False),
            ("geo_inner_ambiguous.json", INNER_AMBIGUOUS, True),
            ("geo_camel_skip.json", CAMEL_SKIP, True),
            ("geo_common_noun_countries.json", COMMON_NOUN_COUNTRIES, True),
        ):
            for entry in sorted(entries):
                places = self.places.get(entry, ()) if keyed else self.lookup(entry)
                if not any(p.kind in COUNTRY_KINDS for p in places):
                    raise DataError(f"{source}: {entry!r} is no country name or alias of the gazetteer")
        unknown = sorted(SCAN_SKIP_METONYMS - set(metonyms))
        if unknown:
            raise DataError(f"geo_scan_skip_metonyms.json: {', '.join(map(repr, unknown))} "
                            "no metonym of geo_metonyms.json")


def _check_same_country(source: str, entry: str, code: str, earlier: str | None, earlier_code: str | None) -> None:
    if earlier_code is not None and earlier_code != code:
        raise DataError(f"{source}: {entry!r} -> {code} meets {earlier!r} -> {earlier_code} (same key)")
