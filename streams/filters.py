"""What a subscriber asks for: countries (validated, with the aliases people type), places, entities.

Kept apart from the Kafka client so the rules are tested without a broker. A country filter
matches an article tagged with the country, or datelined there (``dateline.country``: a
story filed from MADRID is Spanish news) unless the subscriber wants mentions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pycountry

from streams.core.geo.output import record_places
from streams.errors import NewsstreamError

#: Codes people use that ISO 3166-1 does not: UK for GB, EL (the EU's code) for GR.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
#: User-assigned codes the tagger emits although ISO lacks them (streams/core/data/geo_extra_codes.json).
EXTRA_CODES = {"XK": "Kosovo"}


class UnknownCountry(NewsstreamError, ValueError):
    """A country filter that names no country: said in one line, never silently matching nothing."""


def country_code(text: str) -> str:
    """The ISO 3166-1 alpha-2 code of ``text``: a code (``ES``, ``esp``), an alias (``UK``) or a name (``Spain``)."""
    wanted = text.strip()
    upper = wanted.upper()
    if upper in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[upper]
    if upper in EXTRA_CODES:
        return upper
    try:
        return pycountry.countries.lookup(wanted).alpha_2
    except LookupError:
        raise UnknownCountry(
            f"unknown country {text!r}: use an ISO 3166-1 code (GB, ES, US, ...), its alpha-3 form (ESP) "
            f"or its English name (Spain); UK is taken for GB"
        ) from None


def country_codes(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(country_code(text) for text in texts)


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """An enriched record (as a dict) passes when it matches every criterion given (an empty one passes).

    ``places`` match a place's name (case-insensitive) or its GeoNames id; records without
    ``places`` (written before the field existed) match no place filter.
    """

    countries: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    entities: tuple[str, ...] = ()
    mentioned_only: bool = False

    @classmethod
    def of(cls, *, country: Iterable[str] = (), place: Iterable[str] = (), entity: Iterable[str] = (),
           mentioned_only: bool = False) -> ArticleFilter:
        """From what a user typed; raises UnknownCountry for a country it cannot tell."""
        return cls(countries=country_codes(country), places=frozenset(p.strip().casefold() for p in place),
                   entities=tuple(e.casefold() for e in entity), mentioned_only=mentioned_only)

    def __call__(self, record: dict) -> bool:
        return self._country(record) and self._place(record) and self._entity(record)

    def _country(self, record: dict) -> bool:
        if not self.countries:
            return True
        codes = {tag["code"] for tag in record.get("countries") or ()}
        if not self.mentioned_only:
            codes.add((record.get("dateline") or {}).get("country"))
        return bool(self.countries & codes)

    def _place(self, record: dict) -> bool:
        if not self.places:
            return True
        keys = {str(key).casefold() for place in record_places(record)
                for key in (place.get("name"), place.get("geonameid")) if key is not None}
        return bool(self.places & keys)

    def _entity(self, record: dict) -> bool:
        if not self.entities:
            return True
        names = [entity["text"].casefold() for entity in record.get("entities") or ()]
        return any(needle in name for needle in self.entities for name in names)
