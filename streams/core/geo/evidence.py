"""Evidence from NER mentions: each mention becomes items, by its label (step 1).

* GPE/LOC: countries, aliases, towns, states, regions, counties; "Athens, Ga." keeps
  its qualifier for disambiguation; "South Cambridgeshire" loses its direction; a name
  and the next word may be one region ("Cape Breton").
* NORP: demonyms ("Iranian"), hyphenated ones part by part ("Sino-Iranian" -> CN, IR).
* ORG/FAC/...: metonyms ("Kremlin"), else ``evidence_org.py``.
* PERSON: NER misreadings taken back conservatively: an unambiguous country ("Mali"),
  or a country of ``data/geo_scan_ambiguous.json`` only in a list of countries ("Chad,
  Mali and Niger"); a region ("Galicia") only as a confirmation.
* A name right before "River", "Street", "County" (or a list of names before
  "rivers", "counties") is no town: "the Juba and Shabelle rivers" names no capital,
  "Middlesex and Huron counties" are looked up as "Middlesex County", "Huron County".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from streams.core.geo.cues import on_island
from streams.core.geo.data import (
    CULTURE_AFTER,
    CULTURE_COMPOUND,
    FEATURE_WORDS,
    INNER_AMBIGUOUS,
    PLURAL_FEATURES,
    SCAN_AMBIGUOUS,
)
from streams.core.geo.evidence_org import (
    PERSON_AFTER,
    camel_items,
    dominant_capital,
    org_list_items,
    org_place_items,
    person_place_items,
)
from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.items import Item, fixed_item
from streams.core.geo.kinds import (
    COUNTRY_KINDS,
    FEATURE_KINDS,
    STATE_KINDS,
    SUBDIVISION_KINDS,
    TOWN_KINDS,
    PlaceKind,
)
from streams.core.geo.names import normalize_name
from streams.core.geo.prior import filter_by_qualifier
from streams.core.nlp import Mention

_GEO_LABELS = frozenset({"GPE", "LOC"})
_ORG_LABELS = frozenset({"ORG", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})


def split_lines(mentions: Sequence[Mention]) -> Iterator[Mention]:
    """NER spans never cross a line break in meaning, but the model sometimes joins the
    title's last word to the body's first ("Washington\\n\\nDowning Street")."""
    for mention in mentions:
        if "\n" not in mention.text:
            yield mention
            continue
        for part in re.finditer(r"[^\n]+", mention.text):
            piece = part.group().strip()
            if piece:
                offset = mention.start + part.start() + part.group().index(piece)
                yield Mention(piece, mention.label, offset, offset + len(piece))


_LITTLE_BEFORE = re.compile(r"\bLittle[ \u00a0]$")
_HYPHEN_AFTER = re.compile(r"-[A-Z][\w'’]*")
_HYPHEN_BEFORE = re.compile(r"[A-Z][\w'’]*-$")


def whole_hyphenated(text: str, mentions: Sequence[Mention], gaz: Gazetteer) -> list[Mention]:
    """A mention that is one part of a hyphenated place name the gazetteer knows takes the
    whole name, as a place ("Guinea" of "Guinea-Bissau", "Winston" of "Winston-Salem" even as
    a person); other mentions overlapping that name go."""
    out: list[Mention] = []
    reach = -1  # where the last whole name ends: NER's parts of it before then go
    for mention in mentions:
        start, end = mention.start, mention.end
        after = _HYPHEN_AFTER.match(text, end)
        before = _HYPHEN_BEFORE.search(text, max(0, start - 30), start)
        if after and gaz.lookup(text[start : after.end()]):
            end = after.end()
        elif before and gaz.lookup(text[before.start() : end]):
            start = before.start()
        if (start, end) == (mention.start, mention.end):
            if start >= reach:
                out.append(mention)
            continue
        out = [m for m in out if not (m.start < end and start < m.end)]  # the parts NER gave before it
        out.append(Mention(text[start:end], "GPE", start, end))
        reach = max(reach, end)
    return out


_WORD_BEFORE = re.compile(r"(?:^|(?<=[\s(\"“]))([A-ZÀ-ÖØ-Þ][\w'’.]*)[ \u00a0]$")


def whole_spaced(text: str, mentions: Sequence[Mention], gaz: Gazetteer) -> list[Mention]:
    """A mention that ends a town name the gazetteer knows takes the whole name, under its
    own label: NER gives "George" of "Prince George", "Santos" of "General Santos",
    "Awamutu" of "Te Awamutu". A person stays a person (``person_place_items`` then wants a
    place preposition before it: "Prince George" the royal is no town); a word another
    mention covers is never taken."""
    out: list[Mention] = []
    taken_until = -1
    for mention in mentions:
        before = _WORD_BEFORE.search(text, max(0, mention.start - 30), mention.start)
        if before is None or before.start(1) < taken_until or mention.label in ("NORP", "DATE", "CARDINAL"):
            out.append(mention)
            taken_until = mention.end
            continue
        start = before.start(1)
        if any(p.kind in TOWN_KINDS for p in gaz.lookup(text[start : mention.end])):
            mention = Mention(text[start : mention.end], mention.label, start, mention.end)
        out.append(mention)
        taken_until = mention.end
    return out


_DIRECTION_PREFIX = re.compile(
    r"(?:north|south|east|west|northern|southern|eastern|western|central|northeast|northwest"
    r"|southeast|southwest|north east|north west|south east|south west|greater|upstate|downstate) "
)
#: ", Ga." / ", Texas" / ", North Carolina" right after a place name.
_QUALIFIER_RE = re.compile(r",[ \u00a0]?([A-Z][A-Za-z.']*(?:[ \u00a0][A-Z][A-Za-z.']*){0,2})")
_HYPHEN_PART = re.compile(r"[^-–]+")
_STATE_WORD = re.compile(r"[ \u00a0](?:province|state|region|governorate|department|oblast|prefecture)\b",
                         re.IGNORECASE)


def mention_items(text: str, mention: Mention, gaz: Gazetteer) -> list[Item]:
    """The items one mention gives: by its label, else a one-word company name."""
    items = _label_items(text, mention, gaz)
    if not items:
        return camel_items(mention.text, mention.start, gaz)
    return items


def _label_items(text: str, mention: Mention, gaz: Gazetteer) -> list[Item]:
    span, start, end = mention.text, mention.start, mention.end
    key = normalize_name(span)
    features = gaz.places.get(key, ()) if " " in key and mention.label != "NORP" else ()
    if features and all(p.kind in FEATURE_KINDS for p in features):  # "Lake Tahoe" under any label
        return [Item(span, start, end, None, features, key)]
    if (mention.label not in _GEO_LABELS and mention.label != "NORP" and on_island(text, start)
            and not PERSON_AFTER.match(text, end)):
        islands = tuple(p for p in gaz.places.get(key, ()) if p.kind in FEATURE_KINDS)
        if islands:  # "most Indonesians live on Java" (a person to NER), "toward Crete" (an organisation)
            return [Item(span, start, end, None, islands, key)]
    if mention.label in _GEO_LABELS:  # "Niger" + "Delta", "Cape" + "Breton": the longer name
        nxt = _NEXT_WORD.match(text, end, min(len(text), end + 30))
        if nxt is not None and (longer := normalize_name(f"{span} {nxt.group(1)}")) in gaz.places:
            return [Item(text[start : nxt.end(1)], start, nxt.end(1), None, gaz.places[longer], longer)]
    feature = _feature_after(text, end) if mention.label != "NORP" else None
    if feature is not None:
        return _feature_items(text, span, start, end, key, feature, mention.label, gaz)
    if mention.label in _GEO_LABELS:
        if _LITTLE_BEFORE.search(text, max(0, start - 8), start) and any(
                p.kind in COUNTRY_KINDS for p in gaz.places.get(key, ())):
            return []  # "Little Egypt", "Little Italy": a neighbourhood or a region, no country
        return _geo_items(text, span, start, end, gaz)
    if mention.label == "NORP":
        nxt = _NEXT_WORD.match(text, end, min(len(text), end + 30))
        if nxt is not None and (town := normalize_name(f"{span} {nxt.group(1)}")) in gaz.places:
            return [Item(text[start : nxt.end(1)], start, nxt.end(1), None, gaz.places[town], town)]  # "Spanish Town"
        if is_culture(text, span, end):  # "Thai food", "Italian-born": no country
            return []
        if key in gaz.demonyms:
            return [fixed_item(span, start, end, PlaceKind.DEMONYM, gaz.demonyms[key], key)]
        if "-" in span:
            return _hyphen_items(span, start, gaz)
        return _norp_place_items(span, start, end, key, gaz)
    if mention.label in _ORG_LABELS:
        if key in gaz.metonyms:
            return [fixed_item(span, start, end, PlaceKind.METONYM, gaz.metonyms[key], key)]
        if key in gaz.excluded:
            return []
        if listed := org_list_items(span, start, gaz):  # "Florence, Muscle Shoals, Sheffield"
            return listed
        capital = dominant_capital(gaz.places.get(key, ()))
        if capital is not None:  # "Niamey", "Beijing" read as an organisation
            return [Item(span, start, end, None, (capital,), key)]
        return _inner_items(span, start, gaz) or org_place_items(span, start, end, key, gaz)
    if mention.label == "PERSON":
        # NER sometimes calls a country a person ("Mali", "Burkina Faso", "Franco-German");
        # only whole country names that are not first names, and demonym compounds.
        if "-" in span:
            parts = _hyphen_items(span, start, gaz)
            return parts if len(parts) == len(_HYPHEN_PART.findall(span)) else []
        candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in COUNTRY_KINDS)
        if len({p.code for p in candidates}) == 1:
            if span not in SCAN_AMBIGUOUS or listed_with_country(text, start, end, gaz):
                return [Item(span, start, end, None, candidates, key)]  # "Mali", "Chad, Mali and Niger"
            return []
        # a region misread as a person ("Galicia"): only as confirmation
        regions = tuple(p for p in gaz.places.get(key, ()) if p.kind in STATE_KINDS and not p.alternate)
        if regions:
            return [Item(span, start, end, None, regions, key, confirm=True)]
        return person_place_items(text, span, start, end, key, gaz)  # "Mansfield", near the article's places only
    return []


_FEATURE_RE = re.compile(
    r"(?:(?:,[ \u00a0]|,?[ \u00a0](?:and|or|&)[ \u00a0])[A-Z][\w'’.-]*(?:[ \u00a0][A-Z][\w'’.-]*){0,2}){0,8}"
    r"[ \u00a0]([A-Za-z]+)\b"
)


def _feature_after(text: str, end: int) -> str | None:
    """The feature word after a name or a list of names ("Juba River", "the Juba and
    Shabelle rivers", "Middlesex, Elgin and Huron counties"), lower case; or None."""
    match = _FEATURE_RE.match(text, end, min(len(text), end + 160))
    if match is None:
        return None
    word = match.group(1).lower()
    if word not in FEATURE_WORDS:
        return None
    if match.start(1) - end > 1 and word not in PLURAL_FEATURES:
        return None  # "Juba and Shabelle River" is not a list of rivers
    return word


_NEXT_WORD = re.compile(r"[ \u00a0]([A-Z][a-z]+)\b")


def _feature_items(
    text: str, span: str, start: int, end: int, key: str, feature: str, label: str, gaz: Gazetteer
) -> list[Item]:
    """A name before "River", "County", "counties"...: a county the gazetteer knows
    ("Huron County"), a state or country ("Ohio River", "other Kentucky counties"), else
    nothing (no town)."""
    if key in gaz.excluded or key in gaz.metonyms:
        return _geo_items(text, span, start, end, gaz) if label in _GEO_LABELS else []
    if feature in ("county", "counties"):  # "Huron County"; "Kent County Council" (ISO: "Kent")
        candidates = tuple(
            [p for p in gaz.places.get(key + " county", ()) if p.kind in (PlaceKind.US_COUNTY, PlaceKind.ADMIN2)]
            + [p for p in gaz.places.get(key, ()) if p.kind == PlaceKind.ADMIN2]
        )
        if candidates:
            return [Item(span, start, end, None, candidates, key + " county")]
        states = tuple(p for p in gaz.places.get(key, ()) if p.kind == PlaceKind.ADMIN1)
        if feature == "counties" and label in _GEO_LABELS and states:  # "other Kentucky counties"
            return [Item(span, start, end, None, states, key)]
        return []
    if label not in _GEO_LABELS:
        return []
    candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind not in TOWN_KINDS)
    return [Item(span, start, end, None, candidates, key)] if candidates else []


def listed_with_country(text: str, start: int, end: int, gaz: Gazetteer) -> bool:
    """The name stands in a list next to an unambiguous country: "Mali, Burkina Faso and
    Niger", "Chad and Sudan"."""
    before = _LIST_BEFORE.search(text, max(0, start - 50), start)
    if before is not None:
        words = before.group(1).split()
        if any(_is_plain_country(" ".join(words[i:]), gaz) for i in range(len(words))):
            return True
    after = _LIST_AFTER.match(text, end, min(len(text), end + 50))
    if after is not None:
        words = after.group(1).split()
        if any(_is_plain_country(" ".join(words[: i + 1]), gaz) for i in range(len(words))):
            return True
    return False


#: "and"/"or" in English and in the languages read for country names ("et", "y", "und", "e", "ou", "o", "oder").
_AND_OR = r"(?:,| and| or|, and|, or| et| ou| y| o| e| und| oder)"
_LIST_BEFORE = re.compile(rf"([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){{0,3}}){_AND_OR} $")
_LIST_AFTER = re.compile(rf"{_AND_OR} ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){{0,3}})")


def _is_plain_country(name: str, gaz: Gazetteer) -> bool:
    if name in SCAN_AMBIGUOUS:
        return False
    return any(p.kind in COUNTRY_KINDS for p in gaz.lookup(name))


def _geo_items(text: str, span: str, start: int, end: int, gaz: Gazetteer) -> list[Item]:
    key = normalize_name(span)
    if key in gaz.excluded:
        return []
    if key in gaz.metonyms:
        return [fixed_item(span, start, end, PlaceKind.METONYM, gaz.metonyms[key], key)]
    if span.strip() in gaz.abbreviations:  # "Ga." as a mention of its own
        return [Item(span, start, end, None, (gaz.abbreviations[span.strip()],), key)]
    candidates = gaz.places.get(key, ())
    if all(p.kind == PlaceKind.CITY for p in candidates):  # "DeKalb": also DeKalb County
        candidates += county_senses(key, gaz)
    if not candidates:
        if "," in span:  # "Athens, Ga." as one span
            head, _, tail = span.partition(",")
            qualifier = gaz.qualifier(tail)
            if qualifier:
                head_key = normalize_name(head)
                return [Item(span, start, end, None, gaz.places.get(head_key, ()) or qualifier, head_key, qualifier)]
        prefix = _DIRECTION_PREFIX.match(key)
        if prefix and key[prefix.end() :] in gaz.places and key[prefix.end() :] not in gaz.excluded:
            rest = key[prefix.end() :]  # "South Cambridgeshire", "West Texas"
            return [Item(span, start, end, None, gaz.places[rest], rest)]
        if key in gaz.demonyms:  # NER sometimes labels "Iranian" GPE
            return [fixed_item(span, start, end, PlaceKind.DEMONYM, gaz.demonyms[key], key)]
        if "-" in span:
            return _hyphen_items(span, start, gaz)
        if (stem := _STATE_WORD.search(span)) is not None and stem.end() == len(span):  # "Katsina State"
            head_key = normalize_name(span[: stem.start()])
            states = tuple(p for p in gaz.places.get(head_key, ()) if p.kind in SUBDIVISION_KINDS)
            if states and head_key not in gaz.excluded:
                return [Item(span, start, end, None, states, head_key)]
        return _inner_items(span, start, gaz, countries_only=True)
    if _STATE_WORD.match(text, end, min(len(text), end + 20)):  # "Córdoba province": not the town
        candidates = tuple(p for p in candidates if p.kind not in TOWN_KINDS) or candidates
    qualifier: tuple[Place, ...] = ()
    match = _QUALIFIER_RE.match(text, end, min(len(text), end + 40))
    if match:
        qualifier = _match_qualifier(match.group(1), gaz)
        if not filter_by_qualifier(candidates, qualifier):
            qualifier = ()  # "Mali, Burkina Faso": a list, not a qualifier
    return [Item(span, start, end, None, candidates, key, qualifier, match.start(1) if qualifier else -1)]


_CULTURE_NEXT = re.compile(r"-([A-Za-z]+)\b|[ \u00a0]+([a-zé]+)(?:[ \u00a0]([a-z]+))?")


def is_culture(text: str, span: str, end: int) -> bool:
    """A demonym that names a cuisine or heritage, not a country ("Thai food", "Italian-born",
    "an Irish pub"; data/geo_culture_words.json)."""
    if "-" in span and span.rsplit("-", 1)[1].lower() in CULTURE_COMPOUND:
        return True
    after = _CULTURE_NEXT.match(text, end, min(len(text), end + 30))
    if after is None:
        return False
    if after.group(1) is not None:
        return after.group(1).lower() in CULTURE_COMPOUND
    two = f"{after.group(2)} {after.group(3)}" if after.group(3) else ""
    return after.group(2) in CULTURE_AFTER or two in CULTURE_AFTER


def county_senses(key: str, gaz: Gazetteer) -> tuple[Place, ...]:
    """The US counties and parishes a bare name may stand for ("DeKalb" for DeKalb County,
    "Avoyelles" for Avoyelles Parish), as *minor* candidates: like small towns they count
    only where the article's states support them (``resolve.py``), with a lower prior."""
    return tuple(
        p._replace(minor=True)
        for suffix in (" county", " parish")
        for p in gaz.places.get(key + suffix, ())
        if p.kind == PlaceKind.US_COUNTY
    )


def _match_qualifier(words: str, gaz: Gazetteer) -> tuple[Place, ...]:
    """The longest prefix of the words after a comma that names a state/province/country."""
    parts = words.split()
    for n in range(len(parts), 0, -1):
        found = gaz.qualifier(" ".join(parts[:n]))
        if found:
            return found
    return ()


def _hyphen_items(span: str, start: int, gaz: Gazetteer) -> list[Item]:
    """Compounds part by part: "Sino-Iranian" -> CN, IR; "US-backed" -> US; "Israel-Gulf" -> IL."""
    items = []
    for part in _HYPHEN_PART.finditer(span):
        word, s, e = part.group(), start + part.start(), start + part.end()
        key = normalize_name(word)
        if not key or key in gaz.excluded:
            continue
        code = gaz.combining.get(key) or gaz.demonyms.get(key)
        if code:
            items.append(fixed_item(word, s, e, PlaceKind.DEMONYM, code, key))
            continue
        countries = tuple(p for p in gaz.places.get(key, ()) if p.kind in COUNTRY_KINDS)
        if countries:
            items.append(Item(word, s, e, None, countries, key))
    return items


def _inner_items(span: str, start: int, gaz: Gazetteer, *, countries_only: bool = False) -> list[Item]:
    """Country names (and demonyms) inside a span: "National Iranian Oil Company" -> IR."""
    items = []
    for m_start, m_end in gaz.inner_scanner.finditer(span):
        word, s, e = span[m_start:m_end], start + m_start, start + m_end
        key = normalize_name(word)
        if key in gaz.excluded or key in INNER_AMBIGUOUS:
            continue
        if key in gaz.demonyms:
            if not countries_only:
                items.append(fixed_item(word, s, e, PlaceKind.DEMONYM, gaz.demonyms[key], key))
        elif key in gaz.places:
            items.append(Item(word, s, e, None, gaz.places[key], key))
    return items


_NORP_PLACE_KINDS = frozenset({PlaceKind.CITY, PlaceKind.CAPITAL, PlaceKind.ADMIN1, PlaceKind.REGION})


def _norp_place_items(span: str, start: int, end: int, key: str, gaz: Gazetteer) -> list[Item]:
    """A place name NER read as a nationality ("a Lahore newspaper", "Punjab", "from
    Martinique"): a country (not a first name or a word) as itself; a state or a town only
    weakly, and a town only within NEAR_KM of the article's places (``refine.py``): "Pueblo
    leaders" or "Norman" read as a nationality are no towns far away."""
    candidates = gaz.places.get(key, ())
    countries = tuple(p for p in candidates if p.kind in COUNTRY_KINDS)
    if len({p.code for p in countries}) == 1 and span not in SCAN_AMBIGUOUS:
        return [Item(span, start, end, None, countries, key)]
    places = tuple(p for p in candidates if p.kind in _NORP_PLACE_KINDS)
    if not places:
        return []
    towns_only = all(p.kind in TOWN_KINDS for p in places)
    return [Item(span, start, end, None, places, key, confirm=True, near_only=towns_only, misread="nationality")]
