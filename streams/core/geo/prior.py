"""The prior: how likely a name means a place before any context (step 3c of the overview).

Countries and aliases 10, states/provinces of big countries 6.5 (of small ones 5),
counties 5 (a county named without "County" 4), towns log10(population), capitals +1.5 (and
never below a state), exonyms -0.5. Used to pick among candidates everywhere: ties of context, a dominant sense, the
dateline's place. The numbers are in ``weights.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from streams.core.geo.gazetteer import Place
from streams.core.geo.kinds import STATE_KINDS, PlaceKind
from streams.core.geo.weights import (
    ADMIN1_MIN_COUNTRY_POPULATION,
    ALTERNATE_PENALTY,
    BARE_COUNTY_PENALTY,
    CAPITAL_BONUS,
    KIND_PRIOR,
    TOWN_MIN_POPULATION,
)


def prior(place: Place) -> float:
    """How likely a name means this place before context (module docstring)."""
    base = KIND_PRIOR.get(place.kind)
    if place.kind in STATE_KINDS:
        big = place.population >= ADMIN1_MIN_COUNTRY_POPULATION
        base = KIND_PRIOR[PlaceKind.ADMIN1 if big else PlaceKind.ADMIN2]
    if base is None:  # city or capital
        base = math.log10(max(place.population, TOWN_MIN_POPULATION))
        if place.kind == PlaceKind.CAPITAL:
            base = max(base + CAPITAL_BONUS, KIND_PRIOR[PlaceKind.ADMIN1])
    if place.minor and place.kind == PlaceKind.US_COUNTY:  # "DeKalb" read as DeKalb County
        base -= BARE_COUNTY_PENALTY
    return base - (ALTERNATE_PENALTY if place.alternate else 0.0)


def top_place(candidates: Sequence[Place]) -> Place:
    """The candidate with the best prior (the first of equals)."""
    return max(candidates, key=prior)


def filter_by_qualifier(candidates: Iterable[Place], qualifier: Iterable[Place]) -> list[Place]:
    """The candidates a qualifier allows: its country, and its state when it names one."""
    allowed = {(q.code, q.admin1) for q in qualifier}
    return [c for c in candidates if (c.code, "") in allowed or (c.code, c.admin1) in allowed]
