"""The dateline's place and country (step 4 of the overview).

Mentions inside the dateline never produce tags (``enrich`` puts the dateline's country
in ``dateline.country``), but the dateline's place is context for the rest. Its region
decides when it names a state or country ("PARIS, Texas"); otherwise the best prior
wins, except that a dateline town that is no capital goes to a same-named town of a
country the article names when its own is not named ("Perth:" in a story naming
Scotland), and a capital or a country to a same-named town of such a country among the
story's own towns ("BELGRADE —" over a story of Bozeman, Montana).
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.core.dateline import Dateline
from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.kinds import COUNTRY_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.locality import km
from streams.core.geo.names import normalize_name
from streams.core.geo.prior import filter_by_qualifier, top_place
from streams.core.geo.weights import NEAR_KM

#: A capital or country dateline moves to a namesake only this close to the story's towns.
DATELINE_NEAR_KM = 2 * NEAR_KM


def dateline_country(dateline: Dateline, gazetteer: Gazetteer, text: str | None = None) -> str | None:
    """The country of a dateline's place. Its region decides when it names a state or
    country ("PARIS, Texas" -> US, "PLAINS, Ga." -> US even for an unknown town);
    otherwise the place alone, best prior first ("ISLAMABAD" -> PK, "LONDON" -> GB). With
    the article's ``text``, a town that is not a capital goes to a same-named one in a
    country the text names when its own is not named ("Perth:" and "Scotland" -> GB)."""
    place = resolved_dateline_place(dateline, gazetteer, text)
    return place.code if place is not None else None


def resolved_dateline_place(dateline: Dateline, gazetteer: Gazetteer, text: str | None = None) -> Place | None:
    """The dateline's place itself, as :func:`dateline_country` resolves it (with a point:
    the enriched record's ``dateline.place``)."""
    evidence = None
    if text is not None:
        evidence = set()
        for s, e in gazetteer.scanner.finditer(text):
            key = normalize_name(text[s:e])
            code = gazetteer.demonyms.get(key)
            countries = {p.code for p in gazetteer.places.get(key, ()) if p.kind in COUNTRY_KINDS}
            evidence.update([code] if code else countries if len(countries) == 1 else ())
    return dateline_place(dateline, gazetteer, evidence)


def dateline_place(
    dateline: Dateline,
    gaz: Gazetteer,
    evidence: set[str] | None = None,
    near: Sequence[Place] = (),
    home: frozenset[tuple[str, str]] = frozenset(),
) -> Place | None:
    """The dateline's place; ``evidence`` (codes of countries the article names) may move
    a town that is no capital to a same-named one there, and, in a dateline without an
    agency, a capital or a country to a same-named town there within DATELINE_NEAR_KM of two
    of ``near`` (the article's towns with one sense, and the source's places), or of one when
    it lies in ``home``, the state the source names: "BELGRADE —" in a Gallatin Valley
    paper's story of Bozeman; never "MOSCOW (AP)"."""
    candidates = gaz.lookup(dateline.location)
    qualifiers = tuple(q for part in (dateline.region or "").split(",") if part.strip() for q in _qualifier(part, gaz))
    if qualifiers:
        matching = filter_by_qualifier(candidates, qualifiers)
        if matching:
            return top_place(matching)
        return min(qualifiers, key=lambda p: p.kind != PlaceKind.ADMIN1)  # a town we do not know
    if not candidates:
        return None
    top = top_place(candidates)
    if evidence and top.code not in evidence:
        named = [p for p in candidates if p.code in evidence]
        if named and top.kind not in (PlaceKind.CAPITAL, *COUNTRY_KINDS):
            return top_place(named)
        if dateline.agency:  # "MOSCOW (AP)", "LONDON (Reuters)": a wire gives a namesake its state
            return top
        close = [p for p in named
                 if p.kind in TOWN_KINDS and _near_count(p, near) >= (1 if (p.code, p.admin1) in home else 2)]
        if close:
            return max(close, key=lambda p: _near_count(p, near))
    return top


def _near_count(place: Place, near: Sequence[Place]) -> int:
    """How many of ``near`` lie within DATELINE_NEAR_KM of ``place``."""
    return sum(km(place.lat, place.lon, p.lat, p.lon) <= DATELINE_NEAR_KM for p in near)


def _qualifier(part: str, gaz: Gazetteer) -> tuple[Place, ...]:
    """A region after the place ("Ga.", "Iraq"), else a country by any name the gazetteer knows: the
    article language's too, for brackets such as "VALENCE (Espagne)" or "NATIONS UNIES (États-Unis)"."""
    found = gaz.qualifier(part)
    if found:
        return found
    return tuple(p for p in gaz.places.get(normalize_name(part), ()) if p.kind in COUNTRY_KINDS)
