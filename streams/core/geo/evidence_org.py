"""Evidence from organisation names (ORG/FAC/EVENT/... mentions and one-word company names).

An organisation is evidence for a country when it is one in disguise: a metonym
("Kremlin", handled with the labels in ``evidence.py``), a dominant capital read as an
organisation ("Niamey"), a country or demonym inside the name ("National Iranian Oil
Company"), a US state, Canadian province, Australian state or British region heading it
("Illinois Senate": kind "org"), or a country name at either end of a one-word company
name ("QatarEnergy", "PetroChina": kind "org"). An organisation named just like a town
("Halifax") is *weak*: it only confirms a country other evidence names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from streams.core.geo.cues import STRONG, locative_before
from streams.core.geo.data import CAMEL_SKIP, INNER_AMBIGUOUS, ORG_PREFIX_COUNTRIES
from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.items import Item
from streams.core.geo.kinds import COUNTRY_KINDS, STATE_KINDS, SUBDIVISION_KINDS, PlaceKind
from streams.core.geo.names import normalize_name
from streams.core.geo.prior import prior, top_place
from streams.core.geo.weights import DOMINANCE_MARGIN

_CAMEL = re.compile(r"[a-z][A-Z]")
_CAMEL_TOKEN = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")
_CAMEL_PARTS = re.compile(r"[A-Z][a-z]+")


def camel_items(span: str, start: int, gaz: Gazetteer) -> list[Item]:
    """A country name at either end of a one-word company name: "QatarEnergy" -> QA,
    "PetroChina" -> CN, never "Chinatown" or "Indiana" (no capital inside)."""
    if not _CAMEL.search(span):  # most spans: no lower-case letter before a capital
        return []
    items = []
    for token in _CAMEL_TOKEN.finditer(span):
        parts = _CAMEL_PARTS.findall(token.group())
        for word in (parts[0], parts[-1]):
            key = normalize_name(word)
            if key in INNER_AMBIGUOUS or key in CAMEL_SKIP or key in gaz.excluded:
                continue
            countries = tuple(p for p in gaz.places.get(key, ()) if p.kind in COUNTRY_KINDS)
            if len({p.code for p in countries}) == 1:
                items.append(
                    Item(token.group(), start + token.start(), start + token.end(), PlaceKind.ORG, countries, key)
                )
                break
    return items


def org_place_items(span: str, start: int, end: int, key: str, gaz: Gazetteer) -> list[Item]:
    """A county or parish heading an organisation ("Richland Parish School Board", "The
    Henry County Commission") is that county, a place that only confirms its country (no
    county of another country has that name: "Essex County Council"); a state, province or region heading
    an organisation ("Illinois Senate", "The Ontario Ministry of Health") is evidence for
    its country; an organisation named just like a town ("Halifax", "Broome"), or "... of
    <town>" ("Port of Halifax"), only confirms a country named otherwise."""
    county = _COUNTY_HEAD.match(span)  # "Richland Parish School Board", "The Henry County Commission"
    if county is not None:
        name = normalize_name(county.group(1))
        counties = tuple(p for p in gaz.places.get(name, ()) if p.kind in (PlaceKind.US_COUNTY, PlaceKind.ADMIN2))
        head = name.rsplit(" ", 1)[0]  # "Essex County Council": England's Essex, never Massachusetts'
        abroad = any(p.kind in SUBDIVISION_KINDS and p.code != "US" for p in gaz.places.get(head, ()))
        if counties and not abroad:
            s, e = start + county.start(1), start + county.end(1)
            return [Item(county.group(1), s, e, None, counties, name, confirm=True)]
    words = key.split()
    for n in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:n])
        if head in gaz.org_prefixes and head not in gaz.excluded:
            # only a name that clearly means the state: not "Victoria Hospital" (Victoria,
            # Seychelles and B.C. come close), nor "Georgia" (a country)
            candidates = [p for p in gaz.places[head] if not p.alternate]
            top = top_place(candidates)
            rivals = [p for p in candidates if p.code != top.code]
            if top.kind in STATE_KINDS and top.code in ORG_PREFIX_COUNTRIES and (
                not rivals or prior(top) - max(map(prior, rivals)) >= DOMINANCE_MARGIN
            ):
                kind = None if n == len(words) else PlaceKind.ORG
                return [Item(span, start, end, kind, (top,), head)]
            break
    candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind != PlaceKind.US_COUNTY and not p.alternate)
    if candidates:
        return [Item(span, start, end, None, candidates, key, confirm=True)]
    tail = _OF_PLACE.search(span)  # "Port of Halifax", "Residents of Roseau"
    if tail is not None and (candidates := gaz.places.get(normalize_name(tail.group(1)), ())):
        s, e = start + tail.start(1), start + tail.end(1)
        return [Item(tail.group(1), s, e, None, candidates, normalize_name(tail.group(1)), confirm=True)]
    return []


_COUNTY_HEAD = re.compile(r"(?:[Tt]he[ \u00a0])?((?:[A-Z][\w'’.-]*[ \u00a0]){1,3}(?:County|Parish))\b")
_OF_PLACE = re.compile(r"\bof (?:the )?([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2})$")


def dominant_capital(candidates: Sequence[Place]) -> Place | None:
    """The capital a name means when no place of that name in another country comes close."""
    capitals = [p for p in candidates if p.kind == PlaceKind.CAPITAL and not p.alternate]
    if len(capitals) != 1:
        return None
    others = [p for p in candidates if p.code != capitals[0].code]
    if others and prior(capitals[0]) - max(map(prior, others)) < DOMINANCE_MARGIN:
        return None
    return capitals[0]


_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+(?:and|&)\s+")


def org_list_items(span: str, start: int, gaz: Gazetteer) -> list[Item]:
    """An organisation span that is only a list of place names ("Florence, Muscle Shoals,
    Sheffield", "Kisumu and Mwanza"): NER joined the towns; each is a place."""
    cuts = [0, *(i for m in _LIST_SPLIT.finditer(span) for i in m.span()), len(span)]
    if len(cuts) < 4:
        return []
    items = []
    for s, e in zip(cuts[::2], cuts[1::2], strict=False):
        piece = span[s:e].strip()
        s += span[s:e].index(piece) if piece else 0
        key = normalize_name(piece)
        candidates = gaz.places.get(key, ()) if key and key not in gaz.excluded else ()
        if not candidates:
            return []
        items.append(Item(piece, start + s, start + s + len(piece), None, candidates, key))
    return items


PERSON_AFTER = re.compile(r"[ \u00a0]*(?:said|says|told|added|wrote|asked|argued|noted|,\s+who)\b")
_PERSON_TOWN_KINDS = frozenset({PlaceKind.CITY, PlaceKind.CAPITAL, PlaceKind.US_COUNTY})
#: Capitalised words before a name that are no first name ("In Roseau, ...").
_NOT_FIRST_NAMES = frozenset(
    "In At From To The Near Of On For And But Across Outside Inside Around Like With By Via Into Toward Towards "
    "Through Beyond Between Along Over Under After Before Since Until Downtown Visit Visiting Leaving "
    "East West North South Central Greater New Old Upper Lower Northern Southern Eastern Western".split()
)
_HONORIFIC = r"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Sgt|Col|Capt|Prof|Rev|Sir|Dame|Judge|Mayor)\.?[ \u00a0]"


def first_name_before(text: str, span: str) -> bool:
    """Whether a first name or a title precedes ``span`` anywhere in ``text`` ("Karen Lewis",
    "Ms. Madison"), which makes it a surname there ("In Roseau", "East Jerusalem" do not)."""
    if re.search(_HONORIFIC + re.escape(span) + r"\b", text):
        return True
    pattern = r"\b([A-Z][a-z]+)[ \u00a0]" + re.escape(span) + r"\b"
    return any(m.group(1) not in _NOT_FIRST_NAMES for m in re.finditer(pattern, text))


def person_place_items(text: str, span: str, start: int, end: int, key: str, gaz: Gazetteer) -> list[Item]:
    """A town or county NER called a person ("Mansfield", "Rapides Parish"): one word, a
    name ending in "County"/"Parish", or a longer name a place preposition governs ("lives
    in Ville Platte"), that no first name precedes anywhere in the text ("Karen Lewis") and
    no "said" follows unless a place preposition governs it ("the council in Quesnel said").
    Weak and *near only*: kept only near the article's other places (``refine.py``)."""
    several = " " in key and not key.endswith((" county", " parish"))
    cue = locative_before(text, start)  # "the council in Quesnel said": the council said
    if (several and not cue) or (PERSON_AFTER.match(text, end) and cue != STRONG):
        return []
    candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in _PERSON_TOWN_KINDS)
    if not candidates or first_name_before(text, span):
        return []
    return [Item(span, start, end, None, candidates, key, confirm=True, near_only=True, misread="person", locative=cue)]

