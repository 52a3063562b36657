"""Parsing wire-story datelines ("ISLAMABAD, July 19 (Alliance News):", "WASHINGTON (Reuters) -").

CONTRACT (used by streams.core.clean and streams.core.enrich):

    parse_dateline(body: str) -> Dateline | None
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dateline:
    """A dateline at the start of a story body.

    ``start``/``end`` are character offsets of the whole dateline (including its
    trailing separator) in the string it was parsed from; ``country`` is filled in
    later by the country tagger (``streams.core.countries.dateline_country``).
    """

    text: str  # the dateline as written, e.g. "ISLAMABAD, July 19 (Alliance News):"
    location: str  # place name in title case, e.g. "Islamabad"
    region: str | None  # state/country written after the place, e.g. "Georgia", "Ga."
    date: str | None  # date text as written, e.g. "July 19"
    agency: str | None  # news agency, e.g. "Alliance News", "Reuters", "AP"
    start: int
    end: int
    country: str | None = None  # ISO 3166-1 alpha-2, resolved from location/region
