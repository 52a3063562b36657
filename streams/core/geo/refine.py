"""Refinements after disambiguation (step 3f): where the whole article, once resolved,
says a sense chosen name by name was not the one meant.

a. A river, lake or region indexed once per state or country (``features.py``) takes
   the stretch nearest the article's other places on average (not the one nearest a
   single place: "the Indus" in a Sindh story that also names Islamabad): "the Snake River" in a story from
   Lewiston, Idaho is not its Wyoming headwaters.
b. Outside the US, a state and its big town of the same name ("São Paulo", "Agadez"):
   the bare name is the town; "Córdoba province" never reaches here (``evidence.py``
   keeps only the state before "province", "state", "region").
c. Coherence: a town chosen by its prior that lies far from every other place the
   article resolved, while a same-named town lies within NEAR_KM of two of them, or of
   the dateline's place while nothing else names the first one's country, is that
   other town: "Perth" among Dundee, Scone and Edinburgh; "Tripoli" under a BEIRUT
   dateline. Farther than FAR_KM from all of them, with a namesake thirty times
   bigger, it is that one: "Dallas" chosen in North Carolina because the story is set
   there, 200 km from its other places, is Dallas, Texas. A name fixed by a qualifier or the dateline is never
   moved.
d. A small weak town (a name NER called an organisation or a facility) more than
   WEAK_TOWN_KM from every other place of the article is dropped: a venue or a club
   ("at the Maracanã", a town 2,000 km from Rio), not a place the story is at; a town
   NER called a person (or did not label) is kept only within NEAR_KM of them, a big one
   of a country the article names within WEAK_TOWN_KM ("Sukkur" in a Sindh story), and
   the capital of such a country anywhere ("Kyiv").
f. A country name nothing else supports, among a same-named town's neighbours, is
   that town (``_countries_as_towns``).
e. A stray small town alone in its country, far from a story set elsewhere, is dropped
   (``_drop_strays``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from streams.core.geo.items import Item
from streams.core.geo.kinds import COUNTRY_KINDS, FEATURE_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.locality import km, nearest_km
from streams.core.geo.place import Place
from streams.core.geo.prior import prior
from streams.core.geo.weights import BIG_TOWN_POPULATION, NEAR_KM, WEAK_TOWN_KM

_ANCHOR_KINDS = TOWN_KINDS | {PlaceKind.US_COUNTY}
#: Thirty times the people: the big namesake wins when the small one is near nothing.
BIG_MARGIN = 1.5
#: ... and the small one is farther than this from every other place (Athens, Ga. lies
#: 100 km from Atlanta; Dallas, N.C. 200 km from Raleigh).
FAR_KM = 2 * NEAR_KM
#: Step e: a stray small town, in a story with at least this many places in one country.
STRAY_POPULATION = 150_000
STRAY_MIN_ANCHORS = 3


def refine(items: list[Item], hinted: list[Place], dateline: Place | None, fixed: set[str]) -> None:
    """Steps a-d of the module docstring. ``hinted``: the places of the producer's source
    and url; ``fixed``: keys a qualifier or the dateline decided."""
    anchors = [*hinted, *([dateline] if dateline is not None and dateline.kind not in COUNTRY_KINDS else [])]
    anchors += [i.chosen for i in items if i.chosen is not None and not i.confirm and i.chosen.kind in _ANCHOR_KINDS]
    for item in items:
        place = item.chosen
        if place is None:
            continue
        if place.kind in FEATURE_KINDS and anchors:
            stretches = [c for c in item.candidates if c.code == place.code and c.name == place.name]
            item.chosen = min(stretches, key=lambda c: sum(km(c.lat, c.lon, a.lat, a.lon) for a in anchors))
        elif place.kind == PlaceKind.ADMIN1 and place.code != "US" and not item.qualifier:
            towns = [c for c in item.candidates if c.kind in TOWN_KINDS and c.code == place.code]
            big = [t for t in towns if t.population >= BIG_TOWN_POPULATION]
            if big:
                item.chosen = max(big, key=prior)
    _cohere(items, anchors, dateline, fixed)
    _countries_as_towns(items, anchors, fixed)
    _drop_strays(items, anchors, dateline, fixed)
    named = {i.chosen.code for i in items if i.chosen is not None and not i.confirm}
    for item in items:  # d. a weak town far from everything else: a venue or a name ("the Maracanã")
        place = item.chosen
        if place is None or not item.confirm:
            continue
        far = nearest_km(place, [a for a in anchors if a != place])
        small = place.kind == PlaceKind.CITY and place.population < BIG_TOWN_POPULATION
        if item.near_only and place.code in named and place.kind == PlaceKind.CAPITAL:
            limit = float("inf")  # "Kyiv called on Warsaw" in a story about Ukraine
        elif item.near_only and not small and place.code in named:  # "Sukkur" (a person to NER) in a Sindh story
            limit = WEAK_TOWN_KM
        else:
            limit = NEAR_KM if item.near_only else (WEAK_TOWN_KM if small else float("inf"))
        if far > limit:
            item.chosen = None


def _cohere(items: list[Item], anchors: list[Place], dateline: Place | None, fixed: set[str]) -> None:
    by_key: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.chosen is not None and item.chosen.kind in TOWN_KINDS and not item.qualifier and item.key not in fixed:
            by_key[item.key].append(item)
    per_country = Counter(i.chosen.code for i in items if i.chosen is not None and not i.confirm)
    for group in by_key.values():
        chosen = group[0].chosen
        others = [a for a in anchors if a != chosen]
        if nearest_km(chosen, others) <= NEAR_KM:
            continue
        lone = per_country[chosen.code] <= len(group)  # nothing else names its country
        best, best_near = None, 1
        for alt in group[0].candidates:
            if alt.kind not in TOWN_KINDS or alt == chosen:
                continue
            near = sum(km(alt.lat, alt.lon, a.lat, a.lon) <= NEAR_KM for a in others)
            at_dateline = dateline is not None and km(alt.lat, alt.lon, dateline.lat, dateline.lon) <= NEAR_KM
            if (near >= 2 or (at_dateline and lone)) and (best is None or near > best_near):
                best, best_near = alt, near
        if best is None and nearest_km(chosen, others) > FAR_KM:  # a much bigger namesake ("Dallas" in Raleigh)
            big = [c for c in group[0].candidates if c.kind in TOWN_KINDS and prior(c) >= prior(chosen) + BIG_MARGIN]
            best = max(big, key=prior) if big else None
        if best is not None:
            for item in group:
                item.chosen = best


def _drop_strays(items: list[Item], anchors: list[Place], dateline: Place | None, fixed: set[str]) -> None:
    """e. A small town (under STRAY_POPULATION) or a feature that is the only evidence of its country,
    farther than WEAK_TOWN_KM from every other place, in a story whose places lie at
    least STRAY_MIN_ANCHORS times in one other country: a namesake the gazetteer lacks
    there ("Newburgh" in Fife is no town of New York; "Mati" near Athens none of Mindanao;
    the Sierra Nevada above Granada is not California's)."""
    per_country = Counter(a.code for a in anchors)
    if not per_country or per_country.most_common(1)[0][1] < STRAY_MIN_ANCHORS:
        return
    evidence = Counter(i.chosen.code for i in items if i.chosen is not None)
    for item in items:
        place = item.chosen
        stray_kind = place is not None and (
            place.kind in FEATURE_KINDS or (place.kind == PlaceKind.CITY and place.population < STRAY_POPULATION))
        if not stray_kind or item.qualifier or item.key in fixed or place == dateline:
            continue
        same = sum(i.chosen == place for i in items)
        if evidence[place.code] > same:
            continue
        if nearest_km(place, [a for a in anchors if a != place]) > WEAK_TOWN_KM:
            item.chosen = None


def _countries_as_towns(items: list[Item], anchors: list[Place], fixed: set[str]) -> None:
    """f. A country name nothing else in the article supports, while a town of that name
    lies within FAR_KM of two of the article's places, is that town: "Peru" among Rumford
    and Dixfield (Maine), "Trinidad" among Santa Cruz and the Beni (Bolivia)."""
    evidence = Counter(i.chosen.code for i in items if i.chosen is not None)
    by_key: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        place = item.chosen
        if place is not None and place.kind in COUNTRY_KINDS and not item.qualifier and item.key not in fixed:
            by_key[item.key].append(item)
    for group in by_key.values():
        country = group[0].chosen
        if evidence[country.code] > len(group):
            continue
        others = [a for a in anchors if a.code != country.code]
        best, best_near = None, 1
        for alt in group[0].candidates:
            if alt.kind not in TOWN_KINDS:
                continue
            near = sum(km(alt.lat, alt.lon, a.lat, a.lon) <= FAR_KM for a in others)
            if near > best_near:
                best, best_near = alt, near
        if best is not None:
            for item in group:
                item.chosen = best
