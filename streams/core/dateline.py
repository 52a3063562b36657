"""Parsing wire-story datelines ("ISLAMABAD, July 19 (Alliance News):", "WASHINGTON (Reuters) -").

CONTRACT (used by streams.core.clean and streams.core.enrich):

    parse_dateline(body: str) -> Dateline | None

Why a strict grammar: a dateline is the strongest single hint of where a story happens,
but a false one (a sentence such as "Russia, China and Iran said ...") would put the
story in the wrong country. So a dateline is only recognised when the whole of it has
the wire shape: PLACE[/PLACE2][, Region][, Date][ (Agency)] separator, followed by the
start of a sentence. A place in title case needs a date or an agency, except in the
"Brussels: The Commission ..." style (1-3 title-case words, a colon, a capital), where
common label words ("Update:", "Analysis:") are refused and an unknown place later
gets no country. Only the first line (at most ``WINDOW`` characters) is examined,
and the regex has no nested unbounded repetition, so parsing is constant-time per body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dateline:
    """A dateline at the start of a story body.

    ``start``/``end`` are character offsets of the whole dateline (including its
    trailing separator) in the string it was parsed from; ``country`` is filled in
    later, when the article's places are resolved (``streams.core.geo.locate``: the
    dateline's place is resolved with them).
    """

    text: str  # the dateline as written, e.g. "ISLAMABAD, July 19 (Alliance News):"
    location: str  # place name in title case, e.g. "Islamabad"
    region: str | None  # state/country written after the place, e.g. "Georgia", "Ga."
    date: str | None  # date text as written, e.g. "July 19"
    agency: str | None  # news agency, e.g. "Alliance News", "Reuters", "AP"
    start: int
    end: int
    country: str | None = None  # ISO 3166-1 alpha-2, resolved from location/region


#: How far into the body a dateline may reach. The longest real ones
#: ("SAN JUAN, Puerto Rico, Oct. 2 (Reuters) -") are well under 100 characters.
WINDOW = 200

_SP = r"[ \u00a0]"  # parse_dateline may also be given an uncleaned body
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
#: French months, in lower case as written ("1er décembre", "14 mars", "3 févr.").
_MOIS = (
    r"(?:janv(?:ier|\.)|f[ée]vr(?:ier|\.)|mars|avr(?:il|\.)|mai|juin|juil(?:let|\.)|ao[ûu]t"
    r"|sept(?:embre|\.)|oct(?:obre|\.)|nov(?:embre|\.)|d[ée]c(?:embre|\.))"
)
_JOUR = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = (
    rf"(?:{_MONTH}{_SP}\d{{1,2}}(?:,{_SP}\d{{4}})?"  # July 19 / Oct. 2, 2022
    rf"|\d{{1,2}}{_SP}{_MONTH}(?:{_SP}\d{{4}})?"  # 19 July 2022
    # 1er décembre, 14 mars 2025, le 3 mars, lundi 3 mars, mardi
    rf"|(?:le{_SP})?(?:{_JOUR}{_SP})?(?:1er|\d{{1,2}}){_SP}{_MOIS}(?:{_SP}\d{{4}})?|{_JOUR}|{_WEEKDAY}"
    rf"|(?:le{_SP})?\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"  # 12/03/2025
)
# One word of an upper-case place ("ST.", "WINSTON-SALEM", "O'HARE") and of a
# region ("Georgia", "La.", "D.C.", "N.Y."). Words are separated by exactly one space,
# so each word can only be matched one way: no backtracking blow-up.
_UPPER = "A-ZÀ-ÖØ-Þ"  # capitals with accents: "MONTRÉAL", "CÓRDOBA", "ZÜRICH"
_LOWER = "a-zß-öø-ÿ"
_PLACE_WORD = rf"[{_UPPER}][{_UPPER}.'’-]*"
_PLACE = rf"{_PLACE_WORD}(?:{_SP}{_PLACE_WORD}){{0,3}}"
# "Genève", "St.", "Pointe-à-Pitre", "Trois-Rivières", "N'Djamena": hyphenated parts may be capitalised
_TITLE_WORD = rf"[{_UPPER}][{_LOWER}.'’]*(?:-[{_UPPER}{_LOWER}][{_LOWER}.'’]*)*[{_LOWER}.]"
_TITLE_PLACE = rf"{_TITLE_WORD}(?:{_SP}{_TITLE_WORD}){{0,2}}"
_REGION_WORD = rf"[{_UPPER}][{_UPPER}{_LOWER}.'’-]*"
_REGION = rf"(?!{_MONTH}{_SP}\d){_REGION_WORD}(?:{_SP}{_REGION_WORD}){{0,2}}"
_AGENCY = r"[A-Za-z][A-Za-z.&'’/ -]{0,40}"  # "AFP/Belga"
#: A region in brackets after the place: "LA NOUVELLE-ORLÉANS (États-Unis)", "Lyon (Rhône)". One bracket
#: alone may be the agency instead ("TOULON (AFP) -"): ``_is_agency`` decides.
_BRACKETED = rf"[{_UPPER}][^()\n]{{0,38}}"
#: "-", "--", "—", "–", ":" and the Québec press's "|"; "." only in the regional press's "Rennes. Le ..."
_SEPARATOR = rf"(?:{_SP}?(?:--?|—|–|\|)|{_SP}?:|\.)"

_DATELINE_RE = re.compile(
    rf"(?P<place>{_PLACE}(?:/{_PLACE}){{0,3}}|(?P<title_place>{_TITLE_PLACE}))"
    rf"(?:{_SP}\((?P<bracketed>{_BRACKETED})\))?"
    rf"(?P<region>(?:,{_SP}{_REGION}){{0,2}})"
    rf"(?:,{_SP}(?P<date>{_DATE}))?"
    rf"(?:{_SP}\((?P<agency>{_AGENCY})\))?"
    rf"(?P<sep>{_SEPARATOR})"
    rf"(?P<space>{_SP}+)"
    # a dateline is followed by the first sentence: capital, digit, quote or bracket (or a byline: "par X -")
    rf"(?=[{_UPPER}0-9\"'“‘«(\[]|par{_SP}[{_UPPER}])"
)

#: A bracket that names the agency rather than a region: an acronym ("AFP", "AP", "ATS", "AFP/Belga") or a name.
_AGENCY_BRACKET_RE = re.compile(
    r"[A-Z][A-Z0-9.&/-]{1,11}(?:/[A-Z][A-Za-z]+)?|(?:[A-Z][\w.&-]* ){0,3}(?:News|Press|Presse|Agency|Wire)"
    r"|Reuters|Belga|Xinhua|Bloomberg|Kyodo|Yonhap|Anadolu|Interfax|Sputnik|dpa|Efe|Ansa|Tass|La Presse Canadienne"
)

#: How much of the line a "Rennes. Le ..." dateline must leave: a headline ("Lyon. Une exposition") is shorter.
_FULL_STOP_MIN_REST = 60

#: Upper-case labels that take the dateline's place in some feeds ("BREAKING: ...").
_NOT_PLACES = frozenset(
    {
        "ALERT", "ANALYSIS", "BREAKING", "BREAKING NEWS", "COMMENT", "COMMENTARY", "CORRECTION",
        "EDITORIAL", "EXCLUSIVE", "EXPLAINER", "FACT CHECK", "FEATURE", "FILE", "FLASH",
        "INTERVIEW", "LIVE", "NOTE", "OPINION", "PHOTOS", "REVIEW", "UPDATE", "UPDATED",
        "URGENT", "VIDEO", "WATCH",
        # the same in French, and an agency alone ("AFP - Le ministère ...")
        "ALERTE", "ANALYSE", "CHRONIQUE", "DÉCRYPTAGE", "DIRECT", "DOCUMENT", "ÉCLAIRAGE", "EDITO", "ÉDITO",
        "ENQUÊTE", "ENTRETIEN", "EXCLUSIF", "EXCLUSIVITÉ", "INFO", "PORTRAIT", "RÉCIT", "REPORTAGE",
        "RÉVÉLATIONS", "TÉMOIGNAGE", "TRIBUNE", "VIDÉO", "AFP", "AP", "ATS", "BELGA", "REUTERS",
    }
)  # fmt: skip

#: Title-case labels that open a body like a "Place:" dateline does ("Update: The ...").
_NOT_TITLE_PLACES = frozenset(
    {
        "about", "abstract", "advertisement", "alert", "also", "analysis", "announcement", "answer",
        "background", "breaking", "breaking news", "brief", "briefing", "bulletin", "caption", "caution",
        "clarification", "column", "comment", "commentary", "content warning", "context", "correction",
        "credit", "credits", "dear", "disclaimer", "disclosure", "editorial", "editor's note",
        "editors' note", "exclusive", "explainer", "fact check", "factbox", "faq", "feature", "file",
        "first", "flash", "follow", "headline", "headlines", "here", "highlights", "however", "important",
        "in brief", "in pictures", "interview", "key points", "latest", "lesson", "letter", "letters",
        "listen", "live", "live updates", "meanwhile", "media release", "more", "note", "notes", "notice",
        "obituary", "opinion", "photo", "photos", "pictures", "plus", "podcast", "poll", "press release",
        "preview", "profile", "question", "quote", "read", "read more", "recap", "related", "reminder",
        "report", "review", "sources", "source", "special report", "sponsored", "statement", "summary",
        "timeline", "tip", "tips", "today", "transcript", "trigger warning", "update", "updated",
        "urgent", "verdict", "video", "warning", "watch", "why", "what", "who", "when", "where", "how",
        "yes", "no", "tonight", "yesterday", "tomorrow", "this week", "last week", "next week",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december",
        "alerte", "analyse", "bonjour", "chronique", "décryptage", "direct", "édito", "enquête", "entretien",
        "exclusif", "info", "portrait", "récit", "reportage", "tribune", "vidéo", "lundi", "mardi", "mercredi",
        "jeudi", "vendredi", "samedi", "dimanche", "merci", "aujourd'hui", "hier", "demain",
    }
)  # fmt: skip

#: Words written in lower case inside a place name ("Rio de Janeiro", "Dar es Salaam").
_LOWER_PARTICLES = frozenset(
    {"de", "da", "do", "dos", "das", "del", "della", "di", "du", "es", "of", "on", "upon", "la", "le", "les", "sur",
     "en", "lès", "et", "am", "im", "an", "der"}
)

_WORD_PART = re.compile(r"[^\W\d_]+")


def parse_dateline(body: str) -> Dateline | None:
    """The dateline at the start of ``body``, or None when the body does not open with one.

    Leading white space is skipped; offsets refer to ``body`` itself.
    """
    head = body[:WINDOW]
    start = len(head) - len(head.lstrip())
    window = body[start : start + WINDOW].split("\n", 1)[0]
    match = _DATELINE_RE.match(window)
    if match is None:
        return None
    title_place = match["title_place"]
    bracketed, agency = match["bracketed"], match["agency"]
    if bracketed is not None and agency is None and match["date"] is None and _AGENCY_BRACKET_RE.fullmatch(bracketed):
        bracketed, agency = None, bracketed  # "TOULON (AFP) -"
    sep = match["sep"].strip()
    if sep == "." and not _full_stop_style(window, match, title_place, bracketed):
        return None
    # A place written in title case ("Washington, July 2 (IANS):") is only trusted with a
    # date, an agency or a bracketed region ("Valence (Drôme) -"), or alone before a colon or a
    # full stop and a capital ("Perth: The ...", "Rennes. Le ..."), never a label ("Update: ...")
    # nor before a dash ("Lisbon — The government fell" is a sentence).
    if title_place is not None and not (match["date"] or agency or bracketed):
        alone_style = (
            sep in (":", ".")
            and window[match.end() : match.end() + 1].isupper()
            and title_place.lower() not in _NOT_TITLE_PLACES
        )
        if not alone_style:
            return None
    first_place = (title_place or match["place"].split("/", 1)[0]).strip()
    if first_place.upper() in _NOT_PLACES or sum(c.isalpha() for c in first_place) < 2:
        return None
    regions = [r.strip() for r in ([bracketed] if bracketed else []) + match["region"].split(",") if r.strip()]
    return Dateline(
        text=window[: match.end("sep")],
        location=first_place if title_place else _place_title_case(first_place),
        region=", ".join(regions) or None,
        date=match["date"],
        agency=agency.strip() if agency else None,
        start=start,
        end=start + match.end("sep"),
    )


def _full_stop_style(window: str, match: re.Match[str], title_place: str | None, bracketed: str | None) -> bool:
    """ "Rennes. Le conseil municipal a ..." or "Metz, le 4 mars 2025. Le tribunal ...": a title-case place
    (no "U.S." nor initials) followed on the same line by a sentence long enough not to be a headline."""
    place = title_place or ""
    return (
        bool(place)
        and "." not in place
        and bracketed is None
        and len(window) - match.end() >= _FULL_STOP_MIN_REST
        and window.rstrip()[-1:] in '.!?»"'  # a sentence, not a headline
        and place.lower() not in _NOT_TITLE_PLACES
    )


def _place_title_case(place: str) -> str:
    """Title case for an upper-case place: "ST. LOUIS" -> "St. Louis", "RIO DE JANEIRO" -> "Rio de Janeiro".

    ``str.title`` gets "KING'S LYNN" wrong ("King'S Lynn"); here a letter after an
    apostrophe is capitalised only when a longer word follows it ("O'Hare").
    """
    words = []
    for index, word in enumerate(place.split()):
        lower = word.lower()
        if index and lower in _LOWER_PARTICLES:
            words.append(lower)
            continue
        parts = []
        previous_end = 0
        for part in _WORD_PART.finditer(lower):
            text = part.group()
            after_apostrophe = part.start() > 0 and lower[part.start() - 1] in "'’"
            if not after_apostrophe or len(text) > 1:
                text = text[0].upper() + text[1:]
            parts.append(lower[previous_end : part.start()] + text)
            previous_end = part.end()
        words.append("".join(parts) + lower[previous_end:])
    return " ".join(words)
