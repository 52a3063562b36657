"""Cleaning scraped article text: boilerplate removal, Unicode and white-space normalisation.

CONTRACT (used by streams.core.enrich):

    clean_article(title: str, body: str) -> CleanedArticle

CleanedArticle.text is the text the enriched record carries and that every entity offset
refers to: the cleaned title, a blank line, then the cleaned body (subheadings kept).

Why line-based: scraped boilerplate (comment forms, "Also read:" links, bylines, share
bars, photo credits) arrives as whole lines, while real sentences that merely contain
"share" or start with "By" sit inside paragraphs. A line is dropped only when the line as
a whole has the shape of boilerplate. Every regex here is anchored and free of nested
unbounded repetition, so cleaning is linear in the length of the input.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, replace

from streams.core.dateline import Dateline, parse_dateline


@dataclass(frozen=True, slots=True)
class CleanedArticle:
    """A cleaned article; ``dateline`` offsets (if any) point into ``text``."""

    title: str
    body: str
    text: str  # title + "\n\n" + body (or whichever of the two is non-empty)
    dateline: Dateline | None
    removed: tuple[str, ...]  # boilerplate lines dropped from the body, in order


def clean_article(title: str, body: str) -> CleanedArticle:
    """Clean title and body, join them into ``text`` and parse the body's dateline."""
    clean_title = " ".join(normalize_text(title).split())
    clean_body, removed = strip_boilerplate(normalize_text(body))
    text = "\n\n".join(part for part in (clean_title, clean_body) if part)
    dateline = parse_dateline(clean_body)
    if dateline is not None and clean_title:  # offsets into text, not into the body
        shift = len(clean_title) + 2
        dateline = replace(dateline, start=dateline.start + shift, end=dateline.end + shift)
    return CleanedArticle(clean_title, clean_body, text, dateline, tuple(removed))


# -- Unicode and white space --------------------------------------------------------

# Why not NFKC: it would also rewrite "km²" to "km2", "½" to "1⁄2" and CJK punctuation.
# NFC plus this explicit table keeps meaning and only unifies what varies between sites.
_CHAR_MAP: dict[int, str | None] = {  # code point -> replacement (None: delete)
    **{c: None for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"},  # C0 controls
    **{c: None for c in range(0x7F, 0xA0)},  # DEL and C1 controls
    **{c: None for c in range(0xD800, 0xE000)},  # lone surrogates (not encodable as UTF-8)
    0x85: "\n",  # NEXT LINE
    0x0B: "\n",
    0x0C: "\n",
    0x2028: "\n",  # LINE SEPARATOR
    0x2029: "\n",  # PARAGRAPH SEPARATOR
    0x09: " ",
    **{c: " " for c in (0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)},  # spaces
    **{c: None for c in (0x200B, 0x2060, 0xFEFF, 0x00AD)},  # zero-width spaces, BOM, soft hyphen
    **{ord(c): "'" for c in "‘’‚‛′´"},
    **{ord(c): '"' for c in "“”„‟″"},
    **{ord(c): "-" for c in "‐‑"},  # hyphen, non-breaking hyphen (dashes — – are kept)
    **{ord(c): s for c, s in zip("ﬀﬁﬂﬃﬄﬅﬆ", ("ff", "fi", "fl", "ffi", "ffl", "st", "st"), strict=True)},
    # full-width Latin letters and digits ("Ｒｅｕｔｅｒｓ", "２０２２")
    **{c: chr(c - 0xFEE0) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))},
}

_CHAR_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CHAR_MAP)) + "]")
_CHAR_REPLACEMENTS = {chr(c): replacement or "" for c, replacement in _CHAR_MAP.items()}
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
#: Elements whose contents are not article text; cut together with what they enclose.
_HIDDEN_OPEN_RE = re.compile(r"<!--|<(script|style|noscript)\b[^<>]*>", re.IGNORECASE)
#: Tags whose boundary is a line break in the rendered page.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_SPACES_RE = re.compile(r" {2,}")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Unicode-normalise ``text``, strip HTML remnants, tidy white space; keeps line structure.

    Each line is stripped, runs of spaces become one, line endings become ``\\n`` and
    runs of blank lines become one blank line.
    """
    if "<" in text:
        text = _strip_html(text)
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # re.sub, not str.translate: the regex engine skips the untouched characters in C,
    # which is ten times faster on typical text where few characters need replacing.
    text = _CHAR_RE.sub(_replace_char, text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


def _replace_char(match: re.Match[str]) -> str:
    return _CHAR_REPLACEMENTS[match.group()]


def _strip_html(text: str) -> str:
    """Remove tags (block tags become line breaks), comments and script/style contents."""
    return _TAG_RE.sub(_tag_replacement, _drop_hidden(text))


def _tag_replacement(match: re.Match[str]) -> str:
    name = match.group(2).lower()
    if name not in _BLOCK_TAGS:
        return ""
    return "\n" if name == "br" or not match.group(1) else "\n\n"


def _drop_hidden(text: str) -> str:
    """Cut comments and script/style elements with their contents, in one left-to-right pass.

    An opening without its closing loses only the opening itself; a closing that was
    not found once is not searched for again, which keeps the pass linear.
    """
    lowered = text.lower()
    parts = []
    position = 0
    unclosed: set[str] = set()
    while (opening := _HIDDEN_OPEN_RE.search(text, position)) is not None:
        parts.append(text[position : opening.start()])
        closer = "-->" if opening.group(1) is None else f"</{opening.group(1).lower()}"
        closing = -1 if closer in unclosed else lowered.find(closer, opening.end())
        if closing < 0:
            unclosed.add(closer)
            position = opening.end()
            continue
        close_end = lowered.find(">", closing + len(closer) - 1)
        position = len(text) if close_end < 0 else close_end + 1
    parts.append(text[position:])
    return "".join(parts)


# -- Boilerplate lines ----------------------------------------------------------------

_SOCIAL = (
    r"(?:facebook|twitter|x|instagram|linkedin|whatsapp|telegram|pinterest|reddit|youtube|tiktok|threads"
    r"|email|e-mail|print|messenger|flipboard|copy link)"
)
_AGENCY = (
    r"(?:(?:the )?associated press|ap|afp|agence france-presse|reuters|dpa|xinhua|ians|pti|ani|upi|bloomberg"
    r"|efe|ansa|tass|anadolu(?: agency)?|alliance news)"
)

#: The phrases of a comment form, which scrapers often join on one line
#: ("Leave a comment. You must be logged in to post.").
_COMMENT_FORM = (
    r"(?:please enter your (?:comment|name|e-?mail(?: address)?|website)(?: here)?[!.]?"
    r"|leave a (?:reply|comment)(?: cancel reply)?[.!]?"
    r"|cancel reply[.!]?"
    r"|you must be (?:logged|signed) in to (?:post|comment|reply)(?: a comment)?[.!]?"
    r"|(?:post|add|submit|write) (?:a |your )?comment[.!:]?"
    r"|save my name, e-?mail,? and website in this browser for the next time i comment[.!]?)"
)

#: Lines that are boilerplate as a whole (matched against the whole line, ignoring case).
_BOILERPLATE_RE = re.compile(
    "|".join(
        [
            # comment forms (WordPress and the like): one or several of their phrases on a line
            rf"{_COMMENT_FORM}(?: ?{_COMMENT_FORM})*",
            r"notify me of (?:follow-up comments|new posts)[^\n]{0,40}",
            r"this site uses akismet to reduce spam[^\n]{0,120}",
            r"\d{1,5} comments?|comments?(?: \(\d{1,5}\))?|no comments(?: yet)?[.!]?",
            # link lines to other stories
            r"(?:also read|read also|read more|see also|related|related (?:articles?|stories|posts|news|coverage)"
            r"|recommended|must read|don't miss|you may also like|more on this(?: story)?|trending)"
            r"(?: ?[:|»>]| -| —| –)[^\n]{0,300}",
            r"(?:also read|read also|read more|see also|related(?: articles?| stories| posts| news)?"
            r"|recommended(?: for you)?|more stories|you may also like|trending(?: now)?)[.!:]?",
            # the same in French, Spanish, German and Italian
            r"(?:(?:à )?lire (?:aussi|également|la suite)|voir aussi|sur le même sujet|lee también|lea también"
            r"|leer más|lesen sie auch|auch interessant|mehr zum thema|leggi anche|leggi anche)"
            r"(?: ?[:|»>]| -| —| –)?[^\n]{0,300}",
            r"(?:abonnez-vous|inscrivez-vous|suscríbete|abonnieren sie|iscriviti)\b[^\n]{0,150}",
            r"(?:laisser|laissez|ajouter|publier|écrire) un commentaire[.!:]?|réagir(?: à cet article)?[.!:]?",
            r"(?:\d{1,5} )?commentaires?(?: \(\d{1,5}\))?|votre adresse (?:e-?mail|de messagerie) ne sera pas publiée"
            r"[^\n]{0,150}",
            rf"partager(?: cet article)?(?: sur)?(?: {_SOCIAL})?[.!:]?|publicité|envoyer par e-?mail",
            # French article furniture: time stamps, reading time, paywall, bureau bylines, photo credits
            r"(?:publié|mis à jour|actualisé|modifié)(?: le)? (?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi"
            r"|dimanche) )?\d{1,2}(?:er)?(?:[/.]\d{1,2}[/.]\d{2,4}| [a-zéû]{3,9}\.?(?: \d{4})?)"
            r"(?: (?:à|a) \d{1,2} ?h ?\d{0,2})?[^\n]{0,80}",
            r"(?:temps de )?lecture ?:? ?\d{1,2} ?min(?:utes?|\.)?",
            r"(?:article|contenu) réservé aux abonnés[.!]?|réservé aux abonnés[.!]?",
            r"de not(?:re|ra) (?:correspondante?|envoyée? spéciale?|envoyés spéciaux|bureau)(?: (?:à|a|au|aux|en)"
            r" [^\n,]{1,40})?(?:,[^\n]{1,60})?",
            r"(?:photo|crédits? photo|illustration)s? (?:[\w.-]{1,20} ){0,2}/ ?[^\n]{1,80}",
            # share / subscribe / newsletter / cookie notices / calls to action
            rf"share(?: this)?(?: article| story| post| page)?(?: on| via| with)?(?: {_SOCIAL})?[.!:]?",
            rf"{_SOCIAL}(?:(?: ?[|/•·,] ?| ){_SOCIAL}){{1,12}}",
            r"(?:tweet|pin it|print|e-?mail)(?: this(?: article| story)?)?[.!:]?",
            r"subscribe(?: now| today| here| for free| for \$?[\d.]{1,6}[^\n]{0,40})?[.!]?",
            r"(?:subscribe|sign up|register|join|get)(?: now| today| for free)?(?: to| for)? (?:our|the|my|a)"
            r"(?: free)?(?: daily| weekly)? newsletters?[^\n]{0,150}",
            r"(?:sign up|subscribe)[^\n]{0,80}(?:newsletter|inbox)[^\n]{0,80}",
            r"(?:we|this (?:web)?site|our (?:web)?site) uses? cookies[^\n]{0,400}",
            r"by (?:continuing to )?(?:use|using|browse|browsing|visiting) (?:this|our) (?:web)?site,?"
            r" you (?:agree|consent|accept)[^\n]{0,300}",
            r"(?:accept|reject|manage)(?: all)? cookies|cookie (?:policy|settings|preferences)",
            rf"follow (?:us|me|him|her|them|@\w{{1,30}}|[\w.' -]{{1,60}}?) on {_SOCIAL}[^\n]{{0,200}}",
            r"(?:click|tap) here\b[^\n]{0,200}",
            # photo credits and captions
            r"\(?(?:file )?(?:photo|image|picture|pic|photograph|video|graphic)s?(?: credits?)?"
            r"(?: ?:| by| courtesy(?: of)?| ?/)[^\n]{0,300}\)?",
            r"\(?(?:image|photo) (?:credit|source|courtesy)s?\b[^\n]{0,200}\)?",
            r"\((?:[\w.-]{1,30} ){0,3}(?:photo|pool photo|photo illustration)s?/[^()\n]{1,120}\)",
            # copyright and advertising
            rf"(?:©|\(c\) ?\d{{4}}|copyright ?(?:©|\(c\)|\d{{4}}\b)|copyright(?: by)? {_AGENCY}[.]?)[^\n]{{0,150}}",
            r"this material may not be published, broadcast, rewritten,? or redistributed[^\n]{0,80}",
            r"advertisement(?: ?[-—–:] ?scroll to continue(?: with content)?)?|sponsored(?: content)?|ad",
            r"story continues below(?: this)? advertisement|continue reading(?: the main story)?(?: below)?[.!]?",
            r"scroll (?:down )?to continue(?: reading| with content)?",
        ]
    ),
    re.IGNORECASE,
)

#: "..., All rights reserved." closes a notice of any shape (it is searched for in the tail).
_RIGHTS_RESERVED_RE = re.compile(r"\ball rights reserved[.!]?$", re.IGNORECASE)
_AGENCY_LINE_RE = re.compile(rf"(?:{_AGENCY})(?: (?:staff|correspondent|reporter|writer))?[.]?", re.IGNORECASE)

#: How long a boilerplate line may be, in words. Real paragraphs are longer than
#: link lines, captions and notices; this bounds the damage of a false match.
_MAX_BOILERPLATE_WORDS = 60


def strip_boilerplate(body: str) -> tuple[str, list[str]]:
    """Drop boilerplate lines from a normalised body; return the body and the dropped lines."""
    kept: list[str] = []
    removed: list[str] = []
    after_byline = False
    for line in body.split("\n"):
        if not line:
            kept.append(line)
            continue
        byline = is_byline(line)
        if byline or (after_byline and _AGENCY_LINE_RE.fullmatch(line)) or is_boilerplate(line):
            removed.append(line)
        else:
            kept.append(line)
        after_byline = byline
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(kept)).strip(), removed


def is_boilerplate(line: str) -> bool:
    """Whether a whole (stripped) line is web boilerplate: comment form, link, notice, credit, navigation."""
    if line.count(" ") >= _MAX_BOILERPLATE_WORDS:
        return False
    return (_BOILERPLATE_RE.fullmatch(line) is not None or _RIGHTS_RESERVED_RE.search(line[-24:]) is not None
            or is_navigation(line))


#: Separators of menu items and breadcrumbs: "Home | World | Business", "News › Asia › Japan".
_NAV_SEPARATOR_RE = re.compile(r" ?(?:\||›|»|>|/|•|·|::) ?")
_NAV_WORD = r"(?:[A-Z0-9][\w&'.-]*|&|and|of|the|de|la|du)"
_NAV_ITEM_RE = re.compile(rf"[A-Z0-9][\w&'.-]*(?: {_NAV_WORD}){{0,3}}")


def is_navigation(line: str) -> bool:
    """Whether the line is a site's menu or breadcrumb: three or more items of one to four
    capitalised words between separators. Sentences have lowercase words between their
    separators; a date or a dateline ("TOKYO —") has fewer than three items."""
    items = _NAV_SEPARATOR_RE.split(line)
    return len(items) >= 3 and all(_NAV_ITEM_RE.fullmatch(item) for item in items)


# A byline is "By" + one or two names + optionally a role or agency after a separator.
_BYLINE_RE = re.compile(r"(?:by|par) ([^,|—–\n]{2,80}?)(?: ?(?:,|\||—|–| -) ?([^\n]{1,80}))?", re.IGNORECASE)
_NAME_PARTICLES = frozenset({"and", "de", "da", "del", "der", "van", "von", "al", "bin", "el", "la", "le", "du", "dos"})
_NOT_NAME_STARTS = frozenset(
    """the a an this that these those its his her their our my your all some most far then now
    contrast comparison way air land sea road rail default design law nature
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)
_ROLE_WORDS = frozenset(
    """staff writer writers reporter reporters correspondent correspondents editor editors
    contributor contributors columnist in for of the and at news press agency""".split()
)
_NAME_TOKEN_RE = re.compile(r"(?:[a-z]{1,3}['-])?[A-Z][\w'.-]*")  # "Smith", "J.", "al-Sharaa", "d'Estaing"


def is_byline(line: str) -> bool:
    """Whether the line is a byline: "By John Smith", "By JOHN SMITH, Associated Press", "Par Claire Moreau".

    Every word after "By" must look like a name (capitalised or a name particle), and
    whatever follows a separator must be capitalised or a role word, so that sentences
    such as "By contrast, the ..." or "By Monday, the government had ..." are kept.
    """
    if len(line) > 160 or (line[:3].lower() != "by " and line[:4].lower() != "par "):
        return False
    match = _BYLINE_RE.fullmatch(line)
    if match is None:
        return False
    names = match.group(1).split()
    if not names or len(names) > 9 or names[0].lower().strip(",.") in _NOT_NAME_STARTS:
        return False
    if not all(_NAME_TOKEN_RE.fullmatch(word) or word.lower() in _NAME_PARTICLES for word in names):
        return False
    tail = match.group(2)
    if tail is None:
        return True
    return all(
        word[:1].isupper() or word.lower().strip(",.") in _ROLE_WORDS or word in "|—–-/" for word in tail.split()
    )
