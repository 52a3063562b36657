"""Words around a name that say it is written as a place ("in Quesnel", "southern Lebanon").

Why apart: NER's label is the weakest clue for small places (the small English model
calls "Quesnel" an organisation and "Ville Platte" a person); the words before a name
are a clue of their own, read the same way for every kind of evidence.

Two strengths. *Strong*: a preposition people seldom take ("in", "at", "near", "outside",
"across"...). *Weak*: "to", "from", "between" and "of", which people take as often
("according to Jackson", "a statement from Jackson", "the wife of Jackson"): "to" and
"from" count except after the words that give them a person ("according", "spoke",
"statement", "letter"...), "of" only after a word for a place ("residents of", "the port
of", "north of", "the mayor of"). A weak cue only widens how far a name may lie from the
article's other places; it never outweighs "said" after the name.
"""

from __future__ import annotations

import re

_DIRECTION_BEFORE = re.compile(r"\b(?:[Nn]orth|[Ss]outh|[Ee]ast|[Ww]est)(?:ern)?[ \u00a0]$")
_SPACE = r"[ \u00a0]"
_NAME = rf"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:{_SPACE}[A-ZÀ-ÖØ-Þ][\w'’.-]*){{0,3}}"
#: A name list the cue may govern before the name: "at Dorohusk, Medyka and".
_LIST = rf"(?:{_NAME}(?:,{_SPACE}|{_SPACE}and{_SPACE}|,{_SPACE}and{_SPACE})){{0,4}}"
_STRONG_BEFORE = re.compile(
    r"(?i:\b(?:in|at|near|into|outside|around|across|toward|towards|through|via|as far as))"
    rf"{_SPACE}{_LIST}$"
)
_TO_PERSON = (
    "according thanks thank referring refer married letter letters listened listen listening speaking spoke "
    "speak talked talk talking said say says wrote write writing replied reply belongs belong sent send "
    "addressed message note tribute due compared related introduced close"
).split()
_PLACE_NOUNS = (
    "residents resident people citizens town towns city cities village villages county counties parish "
    "district districts province provinces state states port region regions outskirts streets suburb "
    "suburbs centre center heart edge area areas north south east west northeast northwest southeast "
    "southwest mayor council island islands coast shores banks capital municipality borough"
).split()
_FROM_PERSON = (
    "statement statements letter letters call calls email emails message messages help support note word "
    "response reply report request comment comments donation gift visit order orders approval permission "
    "advice testimony"
).split()
_TO_BEFORE = re.compile(rf"(?i:\b(\w+){_SPACE}to){_SPACE}{_LIST}$")
_FROM_BEFORE = re.compile(rf"(?i:\b(\w+){_SPACE}from){_SPACE}{_LIST}$")
_BETWEEN_BEFORE = re.compile(rf"(?i:\bbetween){_SPACE}{_LIST}$")
_OF_BEFORE = re.compile(rf"(?i:\b(\w+){_SPACE}of(?:{_SPACE}the)?){_SPACE}{_LIST}$")
_ON_BEFORE = re.compile(r"(?i:\b(?:on|onto|off)[ \u00a0])$")
_ISLAND_BEFORE = re.compile(r"(?i:\b(?:in|toward|towards|across|around|islands? of(?: the)?)[ \u00a0])$")

#: How strongly the words before a name make it a place.
NONE, WEAK, STRONG = 0, 1, 2


def after_direction(text: str, start: int) -> bool:
    """ "southern Lebanon": a country's part, never a town of that name."""
    return bool(_DIRECTION_BEFORE.search(text, max(0, start - 12), start))


def locative_before(text: str, start: int) -> int:
    """STRONG: "the council in Quesnel", "blockades at Dorohusk, Medyka and"; WEAK: "moved
    to Pune", "districts of Ferozepur, Fazilka, Kapurthala and"; else NONE (module docstring)."""
    lo = max(0, start - 160)
    if _STRONG_BEFORE.search(text, lo, start):
        return STRONG
    to = _TO_BEFORE.search(text, lo, start)
    if to is not None and to.group(1).lower() not in _TO_PERSON:
        return WEAK
    source = _FROM_BEFORE.search(text, lo, start)
    if source is not None and source.group(1).lower() not in _FROM_PERSON:
        return WEAK
    if _BETWEEN_BEFORE.search(text, lo, start):
        return WEAK
    of = _OF_BEFORE.search(text, lo, start)
    if of is not None and of.group(1).lower() in _PLACE_NOUNS:
        return WEAK
    return NONE


def on_island(text: str, start: int) -> bool:
    """ "live on Java", "off Crete", "toward Crete", "the island of Borneo": how an island is written."""
    if _ON_BEFORE.search(text, max(0, start - 8), start):
        return True
    return bool(_ISLAND_BEFORE.search(text[max(0, start - 16) : start]))
