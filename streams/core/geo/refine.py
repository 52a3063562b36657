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
   NER called a person or a nationality, or did not label, is kept only within NEAR_KM of
   them; a city of 100,000+ of a country the article names that NER called a person or did
   not label, within WEAK_TOWN_KM ("Sukkur" in a Sindh story); the capital of such a
   country that opens a sentence NER did not label, anywhere ("Kyiv called on Warsaw"), and
   so a city of a million people NER did not label or a place preposition governs ("Pune
   and Chennai"); any town of such a country a place preposition governs ("the council in
   Quesnel", ``cues.py``), within WEAK_TOWN_KM.
e. A stray small town alone in its country, far from a story set elsewhere, is dropped
   (``_drop_strays``).
f. A country name nothing else supports, among a same-named town's neighbours, is
   that town (``_countries_as_towns``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from streams.core.geo.cues import STRONG
from streams.core.geo.items import Item
from streams.core.geo.kinds import ANCHOR_KINDS, COUNTRY_KINDS, FEATURE_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.locality import km, nearest_km
from streams.core.geo.place import Place
from streams.core.geo.prior import prior
from streams.core.geo.weights import BIG_TOWN_POPULATION, METROPOLIS_POPULATION, NEAR_KM, WEAK_TOWN_KM

#: Thirty times the people: the big namesake wins when the small one is near nothing.
BIG_MARGIN = 1.5
#: ... and the small one is farther than this from every other place (Athens, Ga. lies
#: 100 km from Atlanta; Dallas, N.C. 200 km from Raleigh).
FAR_KM = 2 * NEAR_KM
#: Step e: a stray small town, in a story with at least this many places in one country.
STRAY_POPULATION = 150_000
STRAY_MIN_ANCHORS = 3


def refine(items: list[Item], hinted: list[Place], dateline: Place | None, fixed: set[str]) -> None:
    """Steps a-f of the module docstring. ``hinted``: the places of the producer's source
    and url; ``fixed``: keys a qualifier or the dateline decided."""
    anchors = _anchors(items, hinted, dateline)
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
    named = {i.chosen.code for i in items if i.chosen is not None and not i.confirm}
    for item in items:  # d. a weak town far from everything else: a venue or a name ("the Maracanã")
        place = item.chosen
        if place is not None and item.confirm and nearest_km(place, [a for a in anchors if a != place]) > _weak_limit(
                item, place, named):
            item.chosen = None
    _drop_strays(items, anchors, dateline, fixed)
    anchors = _anchors(items, hinted, dateline)
    codes = {p.code for p in anchors} | {i.chosen.code for i in items if i.chosen is not None and not i.confirm}
    codes |= {i.candidates[0].code for i in items if i.kind == PlaceKind.DEMONYM and i.candidates}
    _countries_as_towns(items, anchors, fixed, codes)


def _anchors(items: list[Item], hinted: list[Place], dateline: Place | None) -> list[Place]:
    """The places "near the article's places" is measured from: the source's, the
    dateline's, and the towns and counties resolved (not the weak ones)."""
    anchors = [*hinted, *([dateline] if dateline is not None and dateline.kind not in COUNTRY_KINDS else [])]
    resolved = [i.chosen for i in items if i.chosen is not None and not i.confirm]
    return anchors + [place for place in resolved if place.kind in ANCHOR_KINDS]


def _weak_limit(item: Item, place: Place, named: set[str]) -> float:
    """Step d: how far from the article's other places a weak name may lie."""
    if not item.near_only:
        small = place.kind == PlaceKind.CITY and place.population < BIG_TOWN_POPULATION
        return WEAK_TOWN_KM if small else float("inf")
    if place.code in named and item.misread == "unlabelled" and place.kind == PlaceKind.CAPITAL:
        return float("inf")  # "Kyiv called on Warsaw" in a story about Ukraine
    if (place.code in named and (item.misread == "unlabelled" or item.locative == STRONG) and place.kind in TOWN_KINDS
            and place.population >= METROPOLIS_POPULATION):
        return float("inf")  # "Pune and Chennai" in a Hyderabad story (not "Santiago, a welder")
    if place.code in named and item.locative and place.kind in TOWN_KINDS:
        return WEAK_TOWN_KM  # "the council in Quesnel" (a person to NER) in a B.C. story
    if (place.code in named and item.misread in ("person", "unlabelled") and place.kind == PlaceKind.CITY
            and place.population >= BIG_TOWN_POPULATION):
        return WEAK_TOWN_KM  # "Sukkur" (a person to NER) in a Sindh story
    return NEAR_KM


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
    """e. A small town (under STRAY_POPULATION) that is the only evidence of its country
    (the dateline and the source count as evidence), farther than WEAK_TOWN_KM from every
    other place, in a story whose places lie at least STRAY_MIN_ANCHORS times in one other
    country, is a namesake the gazetteer lacks there: "Newburgh" in Fife is no town of New
    York, "Mati" near Athens none of Mindanao. The price: a foreign village named alone in a
    local story ("a clinic in Jacmel" in a Dayton story) is lost too."""
    per_country = Counter(a.code for a in anchors)
    if not per_country:
        return
    home, home_count = per_country.most_common(1)[0]
    if home_count < STRAY_MIN_ANCHORS:
        return
    chosen = [i.chosen for i in items if i.chosen is not None]
    evidence = Counter(place.code for place in chosen)
    resolved = set(chosen)
    evidence.update(a.code for a in anchors if a not in resolved)  # the dateline's and the source's places
    for item in items:
        place = item.chosen
        if (place is None or place.kind != PlaceKind.CITY or place.population >= STRAY_POPULATION
                or place.code == home or item.qualifier or item.key in fixed or place == dateline):
            continue
        if evidence[place.code] > sum(i.chosen == place for i in items):
            continue
        if nearest_km(place, [a for a in anchors if a != place]) > WEAK_TOWN_KM:
            item.chosen = None


def _countries_as_towns(items: list[Item], anchors: list[Place], fixed: set[str], codes: set[str]) -> None:
    """f. A country name nothing else in the article supports, in an article that names no
    other foreign country (``codes``: every country it names, and its places'), while a town
    of that name lies within FAR_KM of two of the article's places, is that town: "Peru"
    among Rumford and Dixfield (Maine). "An airstrike in southern Lebanon" in a York, Pa.
    story keeps the country (a direction word, and the Israeli jets name another one, even
    where the lone-demonym rule drops them as evidence); "the plant moved to Mexico"
    in a story of Columbia and Fulton, Mo. is read as Mexico, Mo.: no rule here tells them apart."""
    evidence = Counter(i.chosen.code for i in items if i.chosen is not None)
    by_key: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        place = item.chosen
        if (place is not None and place.kind in COUNTRY_KINDS and not item.qualifier and item.key not in fixed
                and not item.after_direction):
            by_key[item.key].append(item)
    for group in by_key.values():
        country = group[0].chosen
        others = [a for a in anchors if a.code != country.code]
        if evidence[country.code] > len(group) or len(codes - {country.code}) != 1:
            continue
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
