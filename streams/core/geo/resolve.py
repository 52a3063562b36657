"""Disambiguation: one place per item, strongest clue first (step 3 of the overview).

a. A state or country written right after the name ("Athens, Ga.", "Paris, Texas",
   "Cambridge, Ont."); the qualifier's own mention takes that sense too ("Georgia" in
   "Athens, Georgia" is the state).
b. One sense per article: the same name elsewhere, and the dateline's own place
   ("MOSCOW, Idaho" ... "downtown Moscow"), keep that sense; a name with a single place
   is taken; a candidate that beats every other by a wide margin (a capital against
   towns, 10x the population) is taken ("London") unless a rival lies in a state the
   article is set in (ATLANTA dateline: "Athens" is not decided here); a name in one
   country but several states ("Fulton County") takes the article's state. Names
   decided here are the context for the rest.
c. A country against a same-named state of another country ("Georgia"): the state when
   that country's towns, states and counties in the article (or its dateline) weigh at
   least two places and more than the other country's evidence; otherwise the country.
   Everything else by score = prior (``prior.py``) + context: the candidate's US state
   is the dateline's or a qualifier's: +3; other places of its state are named: +1.5
   per distinct name (up to +3); its country has evidence elsewhere: +0.5 per town,
   capital, state or county, +0.25 per country name, demonym or metonym, +1 for the
   dateline (up to +2). So "Athens" in a story naming Fulton County and Atlanta is
   Athens, Ga., while a "Paris" in a Chicago story stays in France.
d. The article's home: when one state/province holds at least three distinct resolved
   local names (twice as many as any other), a capital or town whose country the
   article names in no other way becomes a same-named place of the home country
   ("Cairo" among Peoria, Naperville and Cook County is not Egypt's, while "Paris" in a
   story naming Chicago, Boston and Denver stays in France); a county name shared by
   several countries goes to the country with most evidence ("Middlesex County" in an
   Ontario story), and is dropped when none of its countries has other evidence. In
   such a local story, a country named only by demonyms ("French toast") is dropped.
e. A town under 20,000 people that is the only evidence for its country, resolved
   without a qualifier, is dropped: it is more often a misread name ("Rio" -> a Greek
   village) than a story's only link to that country; so are weak items whose country
   has no other evidence.
f. Then the whole article may correct single names (``refine.py``): a river's nearest
   stretch, a state's big town of the same name, a town far from everything else while
   its namesake lies among the article's places.

The numbers are in ``weights.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from streams.core.dateline import Dateline
from streams.core.geo.dateline_place import dateline_place
from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.items import Item
from streams.core.geo.kinds import ANCHOR_KINDS, COUNTRY_KINDS, LOCAL_KINDS, TOWN_KINDS, PlaceKind
from streams.core.geo.locality import SourceHints, minor_clusters, nearest_km
from streams.core.geo.names import normalize_name
from streams.core.geo.prior import filter_by_qualifier, prior, top_place
from streams.core.geo.refine import refine
from streams.core.geo.weights import (
    ADMIN1_MIN_COUNTRY_POPULATION,
    BIG_TOWN_POPULATION,
    DOMINANCE_MARGIN,
    HOME_MIN_PLACES,
    MINOR_CLUSTER_KM,
    MINOR_NEAR_KM,
    NEAR_BONUS,
    NEAR_KM,
    REGION_BONUS_CAP,
    REGION_BONUS_PER_PLACE,
    REGION_BONUS_STRONG,
    STATE_OVER_COUNTRY_MIN_SUPPORT,
    SUPPORT_CAP,
    SUPPORT_DATELINE,
    SUPPORT_LOCAL,
    SUPPORT_NATIONAL,
    WEAK_TOWN_POPULATION,
)


def _is_dominant(top: Place, candidates: Sequence[Place], context: set[tuple[str, str]]) -> bool:
    """Step b: no rival comes within DOMINANCE_MARGIN, no rival lies in a state the
    article is set in, and a country name never wins this way against a state of the
    same name ("Georgia")."""
    rivals = [p for p in candidates if (p.code, p.admin1) != (top.code, top.admin1)]
    if not rivals:
        return True
    if any((p.code, p.admin1) in context for p in rivals if p.admin1):
        return False
    if top.kind in COUNTRY_KINDS and any(p.kind == PlaceKind.ADMIN1 for p in rivals):
        return False
    return prior(top) - max(map(prior, rivals)) >= DOMINANCE_MARGIN


def _support_weight(place: Place) -> float:
    """Towns, states and counties say more about where a story happens than "U.S." does."""
    return SUPPORT_LOCAL if place.kind in LOCAL_KINDS or place.kind == PlaceKind.CAPITAL else SUPPORT_NATIONAL


class _Context:
    """What the article says about where it happens, gathered while names are resolved."""

    def __init__(self, hints: SourceHints) -> None:
        self.hints = hints
        self.strong_regions: set[tuple[str, str]] = set(hints.strong)  # US states of the dateline, qualifiers, source
        self.anchors: list[Place] = list(hints.places)  # resolved local places: what "near" means
        self.local_names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)  # state -> its places
        self.support: defaultdict[str, float] = defaultdict(float)  # country -> evidence weight
        self.local_support: defaultdict[str, float] = defaultdict(float)  # ... from towns/states/counties only
        self.dateline: Place | None = None
        self.fixed: set[str] = set()  # names a qualifier or the dateline decided
        if hints.country:  # a country-code domain ("bbc.co.uk") weighs like a dateline
            self.support[hints.country] += SUPPORT_DATELINE

    def regions(self) -> set[tuple[str, str]]:
        return self.strong_regions | set(self.local_names)

    def add(self, item: Item, place: Place, *, region_known: bool) -> None:
        if item.confirm:
            return
        if item.kind == PlaceKind.ORG:  # "Illinois Senate", "QatarEnergy": a name, not a place
            self.support[place.code] += SUPPORT_NATIONAL
            return
        self.support[place.code] += _support_weight(place)
        if place.kind in TOWN_KINDS or place.kind == PlaceKind.US_COUNTY:
            self.anchors.append(place)
        if place.kind in LOCAL_KINDS:
            self.local_support[place.code] += SUPPORT_LOCAL
            if region_known and place.admin1:
                self.local_names[(place.code, place.admin1)].add(item.key)

    def score(self, place: Place) -> float:
        """Step c: prior + context."""
        value = prior(place) + min(SUPPORT_CAP, self.support.get(place.code, 0.0))
        if place.admin1:
            region = (place.code, place.admin1)
            if region in self.strong_regions:
                value += REGION_BONUS_STRONG
            else:
                named = len(self.local_names.get(region, ())) + (region in self.hints.regions)
                value += min(REGION_BONUS_CAP, REGION_BONUS_PER_PLACE * named)
        if place.kind not in COUNTRY_KINDS and nearest_km(place, self.anchors) <= NEAR_KM:
            value += NEAR_BONUS
        return value


def _famous_namesake(candidates: Sequence[Place]) -> bool:
    """A capital or a city of BIG_TOWN_POPULATION among a name's main candidates."""
    return any(p.kind == PlaceKind.CAPITAL or (p.kind in TOWN_KINDS and p.population >= BIG_TOWN_POPULATION)
               for p in candidates if not p.minor)


def resolve(
    items: list[Item], gaz: Gazetteer, dateline: Dateline | None, hints: SourceHints | None = None
) -> Place | None:
    """Choose one place per item, or None for a dropped weak guess (module docstring, a-e);
    returns the dateline's place as the article resolved it.

    Small towns (``Place.minor``) take part only where the context supports them: a
    first pass without them finds the article's states and places; the second adds
    the small towns in those states (unless a capital or a big city has the name: then only
    near those places), near those places, or near each other (f)."""
    hints = hints or SourceHints()
    every = [item.candidates for item in items]
    for item in items:
        if not item.qualifier:
            item.candidates = tuple(p for p in item.candidates if not p.minor)
    ctx = _resolve_pass([item for item in items if item.candidates], gaz, dateline, hints)
    regions = ctx.regions() | hints.regions | minor_clusters(zip((i.key for i in items), every, strict=False),
                                                                       MINOR_CLUSTER_KM)
    anchors = [*ctx.anchors, *([ctx.dateline] if ctx.dateline is not None else [])]
    changed = False
    for item, candidates in zip(items, every, strict=False):
        famous = _famous_namesake(candidates)  # "Washington": a town of 956 in Louisiana only near the story's places
        allowed = tuple(
            p
            for p in candidates
            if not p.minor or ((p.code, p.admin1) in regions and not famous) or nearest_km(p, anchors) <= MINOR_NEAR_KM
        )
        changed |= allowed != item.candidates
        item.candidates = allowed
    if changed:
        for item in items:
            item.chosen = None
        ctx = _resolve_pass([item for item in items if item.candidates], gaz, dateline, hints)
    refine(items, ctx.hints.places, ctx.dateline, ctx.fixed)
    return ctx.dateline


def _resolve_pass(items: list[Item], gaz: Gazetteer, dateline: Dateline | None, hints: SourceHints) -> _Context:
    ctx = _Context(hints)
    sense: dict[str, Place] = {}  # name -> place fixed by a qualifier or the dateline
    dl_place = None
    if dateline is not None:
        evidence = {
            item.candidates[0].code
            for item in items
            if not item.confirm and item.candidates and len({p.code for p in item.candidates}) == 1
        }
        single = [item.candidates for item in items
                  if not item.confirm and item.candidates and len({(p.code, p.admin1) for p in item.candidates}) == 1]
        near = [place for place in map(top_place, single) if place.kind in ANCHOR_KINDS] + list(hints.places)
        home = frozenset(hints.regions | hints.strong)
        place = dl_place = ctx.dateline = dateline_place(dateline, gaz, evidence, near, home)
        if place is not None:
            if place.kind not in COUNTRY_KINDS:
                ctx.anchors.append(place)
            ctx.support[place.code] += SUPPORT_DATELINE
            if place.kind in LOCAL_KINDS:
                ctx.local_support[place.code] += SUPPORT_DATELINE
            if place.code == "US" and place.admin1:
                ctx.strong_regions.add((place.code, place.admin1))
            if gaz.lookup(dateline.location):
                sense[normalize_name(dateline.location)] = place

    # a. qualifiers ("Athens, Ga."): the town, and the qualifier's own mention ("Ga.", "Georgia")
    forced: dict[int, Place] = {}
    for item in items:
        if item.qualifier:
            item.chosen = top_place(filter_by_qualifier(item.candidates, item.qualifier) or item.qualifier)
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
                item.chosen = top_place(item.candidates)
        if item.chosen is not None:
            ctx.add(item, item.chosen, region_known=True)
        else:
            pending.append(item)
    unresolved = []
    for item in pending:
        top = top_place(item.candidates)
        if _is_dominant(top, item.candidates, ctx.regions()):
            item.chosen = top
            ctx.add(item, top, region_known=True)
        elif len({p.code for p in item.candidates}) == 1:
            # one country, several states ("Fulton County"): the article's state if it has one
            in_context = [p for p in item.candidates if (p.code, p.admin1) in ctx.regions()]
            item.chosen = max(in_context, key=ctx.score) if in_context else None  # the dateline's state first
            ctx.add(item, item.chosen or top, region_known=bool(in_context))
            if item.chosen is None:
                unresolved.append(item)
        else:
            unresolved.append(item)

    # c. the rest by prior + context; a country against a same-named state (Georgia) by
    # which of the two countries the article's towns, states and counties are in
    for item in unresolved:
        states = [p for p in item.candidates
                  if p.kind == PlaceKind.ADMIN1 and p.population >= ADMIN1_MIN_COUNTRY_POPULATION]
        countries = [p for p in item.candidates if p.kind in COUNTRY_KINDS]
        if states and countries and not any((p.code, p.admin1) in ctx.regions() for p in states):
            state, country = top_place(states), countries[0]
            local = ctx.local_support.get(state.code, 0.0)
            use_state = local >= STATE_OVER_COUNTRY_MIN_SUPPORT and local > ctx.support.get(country.code, 0.0)
            item.chosen = state if use_state else country
        else:
            item.chosen = max(item.candidates, key=ctx.score)

    # d. the article's home state; counties shared by several countries
    home = _move_home(items, sense, dl_place)
    _counties_follow_the_article(items, ctx)
    if home is not None:
        _drop_lone_demonyms(items, home)

    ctx.fixed = set(sense)
    # e. drop a small town that is the only, unsupported evidence for its country
    per_country = Counter(item.chosen.code for item in items if item.chosen is not None and not item.confirm)
    for item in items:
        place = item.chosen
        if (
            place is not None
            and place.kind == PlaceKind.CITY
            and place.population < WEAK_TOWN_POPULATION
            and not item.qualifier
            and (place.code, place.admin1) not in hints.regions  # the paper's own area
            and per_country[place.code] == 1
            and ctx.support.get(place.code, 0.0) <= _support_weight(place)
        ):
            item.chosen = None
    # ... and weak items whose country nothing else names
    confirmed = {item.chosen.code for item in items if item.chosen is not None and not item.confirm}
    for item in items:
        if item.confirm and item.chosen is not None and item.chosen.code not in confirmed:
            item.chosen = None
    return ctx


def _home_country(items: list[Item], dl_place: Place | None) -> str | None:
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
        if place.kind in LOCAL_KINDS:
            names[(place.code, place.admin1)].add(item.key)
    ranked = sorted((len(keys), region) for region, keys in names.items())
    if not ranked or ranked[-1][0] < HOME_MIN_PLACES:
        return None
    if len(ranked) > 1 and 2 * ranked[-2][0] > ranked[-1][0]:
        return None
    return ranked[-1][1][0]


def _drop_lone_demonyms(items: list[Item], home: str) -> None:
    """In a local story (one with a home state), a country named only by demonyms, with
    no name in the text that may mean a place there, is culture, not geography: "French
    toast", "the Irish festival", "a German club" (module docstring, d)."""
    kinds: defaultdict[str, set[PlaceKind | None]] = defaultdict(set)
    for item in items:
        if item.chosen is not None:
            kinds[item.chosen.code].add(item.kind)
    # a name that may mean that country or its capital keeps the demonym ("an Egyptian
    # delegation ... Cairo"); a village of that name there does not ("Dublin", "Lebanon")
    named = {
        p.code
        for item in items
        if item.kind != PlaceKind.DEMONYM
        for p in item.candidates
        if p.kind in COUNTRY_KINDS or p.kind == PlaceKind.CAPITAL
    }
    for item in items:
        place = item.chosen
        if place is not None and place.code not in named | {home} and kinds[place.code] == {PlaceKind.DEMONYM}:
            item.chosen = None


def _move_home(items: list[Item], sense: dict[str, Place], dl_place: Place | None) -> str | None:
    """ "Cairo" in a story set among Peoria, Naperville and Cook County: a capital or town
    whose country the article names in no other way, while the article's home country
    has a place of that name, is that place (module docstring, d). Returns the home country."""
    home = _home_country(items, dl_place)
    if home is None:
        return None
    keys_by_code: defaultdict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.chosen is not None and not item.confirm:
            keys_by_code[item.chosen.code].add(item.key)
    for item in items:
        place = item.chosen
        if place is None or place.code == home or place.kind not in TOWN_KINDS or item.qualifier:
            continue
        if item.key in sense or keys_by_code[place.code] - {item.key}:
            continue
        local = [p for p in item.candidates if p.code == home]
        if local:
            item.chosen = top_place(local)
    return home


def _counties_follow_the_article(items: list[Item], ctx: _Context) -> None:
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
            item.chosen = top_place(local)
        elif ctx.support.get(place.code, 0.0) == 0.0:
            item.chosen = None
