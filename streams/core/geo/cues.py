"""Words around a name that say it is written as a place ("in Quesnel", "southern Lebanon").

Why apart: NER's label is the weakest clue for small places (the small English model
calls "Quesnel" an organisation and "Ville Platte" a person); the words before a name
are a clue of their own, read the same way for every kind of evidence.
"""

from __future__ import annotations

import re

_DIRECTION_BEFORE = re.compile(r"\b(?:[Nn]orth|[Ss]outh|[Ee]ast|[Ww]est)(?:ern)?[ \u00a0]$")
_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ \u00a0][A-ZÀ-ÖØ-Þ][\w'’.-]*){0,3}"
#: A preposition of place right before the name, or before a list the name ends ("to",
#: but not "according to", "spoke to": a person follows those).
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|from|into|outside|around|between|across|toward|towards|through|via|of|as far as"
    r"|(?<!according )(?<!spoke )(?<!talked )(?<!said )(?<!wrote )(?<!replied )(?<!belongs )to)[ \u00a0]"
    rf"(?:{_NAME}(?:,[ \u00a0]|[ \u00a0]and[ \u00a0]|,[ \u00a0]and[ \u00a0])){{0,4}}$"
)

_ON_BEFORE = re.compile(r"\b(?:on|onto)[ \u00a0]$")


def after_direction(text: str, start: int) -> bool:
    """ "southern Lebanon": a country's part, never a town of that name."""
    return bool(_DIRECTION_BEFORE.search(text, max(0, start - 12), start))


def locative_before(text: str, start: int, *, island: bool = False) -> bool:
    """ "the council in Quesnel", "blockades at Dorohusk, Medyka and", "districts of
    Ferozepur, Fazilka, Kapurthala and": a place preposition governs the name. ``island``:
    "on" counts too ("live on Java"; for other names "relied on Jackson" is a person)."""
    if island and _ON_BEFORE.search(text, max(0, start - 8), start):
        return True
    return bool(_LOCATIVE_BEFORE.search(text, max(0, start - 160), start))
