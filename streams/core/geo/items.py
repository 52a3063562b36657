"""The unit every step works on: a span of the text and the places it may mean."""

from __future__ import annotations

from dataclasses import dataclass

from streams.core.geo.gazetteer import Place
from streams.core.geo.kinds import PlaceKind


@dataclass(slots=True)
class Item:
    """One piece of evidence being resolved: a span and the places it may mean."""

    text: str
    start: int
    end: int
    kind: PlaceKind | None  # fixed kind (demonym, metonym, org), else the chosen place's
    candidates: tuple[Place, ...]
    key: str  # normalised name: one sense per key and article
    qualifier: tuple[Place, ...] = ()
    qualifier_start: int = -1  # where the qualifier's words start in the text
    chosen: Place | None = None
    confirm: bool = False  # weak (a place NER called an organisation): kept only when
    # its country has other evidence, and never context for other names
    near_only: bool = False  # weaker still (a town NER called a person): kept only near the article's places
    misread: str = ""  # for near_only: "person", "nationality" or "unlabelled" (what NER made of it)
    after_direction: bool = False  # "southern Lebanon": a country's part, never a town of that name
    locative: int = 0  # cues.STRONG "in Quesnel", cues.WEAK "moved to Pune": written as a place


def fixed_item(text: str, start: int, end: int, kind: PlaceKind, code: str, key: str) -> Item:
    """An item whose country is known from the name alone (a demonym, a metonym)."""
    return Item(text, start, end, kind, (Place(code, kind, "", 0, False),), key)
