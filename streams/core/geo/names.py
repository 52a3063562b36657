"""Names as keys: normalisation, the scanner that finds country names in raw text, and
which library names are worth indexing.

Every lookup goes through :func:`normalize_name`, so "the U.S.'s", "U.S." and "US" are one
key, and "Kahramanmaraş" is found when written "Kahramanmaras". The scanner works on the
text as written (case-sensitive: "US", never "us"), for the names NER did not label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from streams.core.geo.data import GENERIC_PLACE_WORDS

_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d", "ʻ": "'", "ʼ": "'",
     "’": "'", "‘": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"}
)  # fmt: skip
_NON_KEY = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=16384)  # called for every capitalised word scanned; names recur
def fold(name: str) -> str:
    """Latin letters without accents: "Kahramanmaraş" -> "Kahramanmaras", "Tromsø" -> "Tromso"."""
    name = name.translate(_FOLD)
    if name.isascii():
        return name
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@lru_cache(maxsize=16384)  # called for every mention and candidate name; names recur
def normalize_name(name: str) -> str:
    """The lookup key of a place name: "the U.S.'s" -> "us", "Rostov-on-Don" -> "rostov on don"."""
    name = fold(name).casefold().replace(".", "")
    name = _SPACES.sub(" ", _NON_KEY.sub(" ", name)).strip(" '")
    if name.endswith("'s"):
        name = name[:-2].rstrip()
    if name.startswith("the "):
        name = name[4:]
    return name


def plural(word: str) -> str | None:
    """The regular English plural of a demonym, or None when it has none ("Swiss")."""
    if word.endswith(("s", "sh", "ch", "ese", "x", "z")):
        return None
    if word.endswith("man"):
        return word[:-3] + "men"
    return word + "s"


_WORD = re.compile(r"\w")
#: What follows a token's first word character: word characters, apostrophes, full stops.
_TOKEN_REST = r"[\w'’.]*"


def _capitals_and_digits() -> str:
    """A regex character class of the word characters a name can start with (``str.isupper``
    or ``str.isdigit``, Basic Multilingual Plane), as ranges."""
    chars = [c for c in map(chr, range(0x10000)) if (c.isupper() or c.isdigit()) and _WORD.match(c)]
    ranges, first, last = [], chars[0], chars[0]
    for c in chars[1:] + ["\U0010ffff"]:
        if ord(c) != ord(last) + 1:
            ranges.append(re.escape(first) if first == last else f"{re.escape(first)}-{re.escape(last)}")
            first = c
        last = c
    return "[" + "".join(ranges) + "]"


class NameScanner:
    """Finds whole names from a fixed list in raw text, case-sensitively ("US" but not
    "us"), longest first ("Papua New Guinea" over "Guinea"), never after "New" ("New
    Mexico"). Excluded names are matched too, so that "Gulf of Oman" is consumed whole
    (and then ignored) instead of yielding "Oman".

    A token is a word character and what follows it of word characters, apostrophes and
    full stops ("U.S.", "Iran's"). A regex finds the words that start with a capital or a
    digit, the only ones a name can start with; each that starts a token is probed in a
    dictionary of first words, and only then are the next tokens read. That is faster
    than a regex alternation of the ~1,500 names (~1.5 ms on a 700-word article) and
    than walking every token in Python (~0.5 ms)."""

    _TOKEN = re.compile(r"\w" + _TOKEN_REST)
    # from a capital or a digit to the end of its token; whether a token starts there
    # ("'Iran'", not "O'Neill") is checked after: a lookbehind here makes it 4x slower
    _CAPITALISED = re.compile(_capitals_and_digits() + _TOKEN_REST)
    # the next token when a plain gap ("Papua New", "Guinea-Bissau") leads to it
    _NEXT = re.compile(r"(?:  | |-|\n)(\w" + _TOKEN_REST + ")")

    def __init__(self, forms: Iterable[str], excluded: Iterable[str]) -> None:
        names: dict[str, bool] = {}  # scan key -> True for a name, False for an excluded one
        for form in forms:
            names[self._key(form)] = True
        for form in excluded:
            names.setdefault(self._key(form), False)
        self.names = {k: v for k, v in names.items() if len(k) >= 2}
        self.first_words: dict[str, int] = {}  # first word of a name -> most words in such a name
        for key in self.names:
            words = self._TOKEN.findall(key)
            if words:
                self.first_words[words[0]] = max(self.first_words.get(words[0], 0), len(words))

    @staticmethod
    def _key(form: str) -> str:
        form = form[4:] if form.startswith("the ") else form
        return " ".join(fold(form).split())

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every listed (not excluded) name in ``text``."""
        first_words, names, key, next_token = self.first_words, self.names, self._key, self._NEXT.match
        consumed = 0  # the end of the last name found: no name starts inside one
        for token in self._CAPITALISED.finditer(text):
            start, end = token.span()
            if start < consumed or (start and text[start - 1] not in " \n" and not _starts_token(text, start)):
                continue
            word = fold(token.group())
            bare = word.rstrip("'")  # a closing quote: "'Iran'"
            longest = first_words.get(word) or first_words.get(bare) or first_words.get(bare.rstrip("."))
            if not longest and word.endswith("'s"):
                longest = first_words.get(word[:-2])
            if not longest or (start >= 4 and text.startswith("New ", start - 4) and _starts_token(text, start - 4)):
                continue
            token_ends = [end]  # of this token and the next ones reachable through plain gaps
            while len(token_ends) < longest and (following := next_token(text, token_ends[-1])):
                token_ends.append(following.end(1))
            found = None
            for token_end in reversed(token_ends):
                for name_end in _name_ends(text, start, token_end):
                    wanted = names.get(key(text[start:name_end]))
                    if wanted is not None:
                        found = (name_end, wanted, token_end)
                        break
                if found:
                    break
            if found is None:
                continue
            name_end, wanted, consumed = found
            if wanted:
                yield start, name_end


def _starts_token(text: str, position: int) -> bool:
    """Whether a token starts at ``position``: no word character before it, through any
    apostrophes and full stops ("'New" starts one, "O'New" does not)."""
    position -= 1
    while position >= 0 and text[position] in "'’.":
        position -= 1
    return position < 0 or not _WORD.match(text[position])


def _name_ends(text: str, start: int, end: int) -> Iterator[int]:
    """Where a name token may end: as written ("U.S."), without a closing quote ("'Iran'"),
    without a sentence's full stop ("Iran.", "Iran.'"), without a possessive ("Iran's")."""
    yield end
    word = text[start:end]
    bare = word.rstrip("'’")
    if len(bare) < len(word):
        yield start + len(bare)
    if bare.endswith("."):
        yield start + len(bare) - 1
    if word.endswith(("'s", "’s")):
        yield end - 2


# -- which library names are worth indexing -----------------------------------------


def subdivision_names(name: str) -> list[str]:
    """Usable names of an ISO 3166-2 subdivision: "Catalunya [Cataluña]" -> both;
    "Madrid, Comunidad de" -> "Madrid"; "Guyane (française)" -> "Guyane"."""
    names = []
    main, _, bracket = name.partition("[")
    for part in (main, bracket.rstrip("]")):
        part = re.sub(r"\(.*?\)", "", part).split(",")[0].strip()
        if part and not re.search(r"\d|[A-Z]{2}-", part):
            names.append(part)
    return names


def all_generic_words(name: str) -> bool:
    """A subdivision name made only of words like "Central", "North East": not indexed."""
    words = normalize_name(name).split()
    return not words or all(w in GENERIC_PLACE_WORDS for w in words)


_ALT_OK = re.compile(r"[A-Z][A-Za-z' .-]{2,}")  # 3 letters at least: "Fez"


def usable_alternate(alt: str) -> bool:
    """An alternate city name worth indexing: Latin script, capitalised, not a code ("IEV")."""
    folded = fold(alt)
    return bool(_ALT_OK.fullmatch(folded)) and not folded.isupper() and len(folded.split()) <= 4


_POSSESSIVE = re.compile(r"['’]s$")


def bare_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A name's span without a leading "the " NER took in ("the Pacific") or a trailing "'s"."""
    if text[start : start + 4].lower() == "the " and end - start > 4:
        start += 4
    possessive = _POSSESSIVE.search(text, start, end)
    if possessive is not None and possessive.start() > start:
        end = possessive.start()
    return start, end
