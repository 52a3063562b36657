"""clean_article: boilerplate removal, normalisation, the text/offset contract, speed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.clean import CleanedArticle, clean_article, is_boilerplate, is_byline, is_navigation, normalize_text

SEED = Path(__file__).parents[3] / "seeds" / "000_3c4133359b8940df.txt"


def seed_article() -> tuple[str, str]:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    return title, body


# -- the text contract ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "text"),
    [
        ("Title", "Body.", "Title\n\nBody."),
        ("Title", "", "Title"),
        ("", "Body.", "Body."),
        ("  \t", "Body.", "Body."),
        ("Title", " \n\n Please enter your comment!\n", "Title"),
        ("", "", ""),
        (" \n ", "\r\n\t", ""),
    ],
)
def test_text_joins_title_and_body(title, body, text):
    cleaned = clean_article(title, body)
    assert cleaned.text == text
    assert cleaned.text == "\n\n".join(p for p in (cleaned.title, cleaned.body) if p)


def test_title_becomes_one_line():
    assert clean_article("Putin\n  in   Tehran\r\n", "").title == "Putin in Tehran"


# -- the seed article -------------------------------------------------------------------


def test_seed_article():
    cleaned = clean_article(*seed_article())
    lines = cleaned.text.split("\n")
    assert lines[0] == "Russian president's first visit to Iran since war with Ukraine, talks on bilateral relations"
    assert lines[1] == ""
    assert lines[2].startswith("ISLAMABAD, July 19 (Alliance News): Russian President Vladimir Putin will meet Iran's")
    assert cleaned.removed == (
        "Also read: Russia has received guarantees from the US to save the Iran nuclear deal",
        "Please enter your comment!",
        "Please enter your name here",
    )
    assert cleaned.text.endswith("to resume grain shipments from Ukraine across the Black Sea.")
    # subheadings stay on their own lines
    assert "\nAttempts at alternative measures to deal with sanctions\nPutin's visit" in cleaned.text
    assert "\nEfforts to stop violence in Syria\nHigh on the agenda" in cleaned.text
    assert "\n\n\n" not in cleaned.text and "’" not in cleaned.text
    dateline = cleaned.dateline
    assert dateline is not None
    assert (dateline.location, dateline.date, dateline.agency, dateline.region) == (
        "Islamabad", "July 19", "Alliance News", None,
    )  # fmt: skip
    assert cleaned.text[dateline.start : dateline.end] == dateline.text == "ISLAMABAD, July 19 (Alliance News):"


def test_dateline_offsets_without_title_and_after_a_byline():
    cleaned = clean_article("", "By Jill Colvin\nAssociated Press\n\nWASHINGTON (AP) — The Senate voted.")
    assert cleaned.removed == ("By Jill Colvin", "Associated Press")
    assert cleaned.dateline is not None
    assert (cleaned.dateline.start, cleaned.dateline.end) == (0, len("WASHINGTON (AP) —"))
    with_title = clean_article("Senate votes", "By Jill Colvin\n\nWASHINGTON (AP) — The Senate voted.")
    dateline = with_title.dateline
    assert dateline is not None
    assert with_title.text[dateline.start : dateline.end] == dateline.text == "WASHINGTON (AP) —"


def test_no_dateline():
    assert clean_article("T", "Russia, China and Iran said on Monday.").dateline is None


# -- boilerplate ------------------------------------------------------------------------

BOILERPLATE = [
    # comment forms
    "Please enter your comment!",
    "Please enter your name here",
    "Please enter your email address here",
    "Leave a reply",
    "Leave a Reply Cancel reply",
    "You must be logged in to post a comment.",
    "Leave a comment. You must be logged in to post.",
    "Leave a Reply Cancel reply You must be logged in to post a comment.",
    "Save my name, email, and website in this browser for the next time I comment.",
    "5 Comments",
    # links to other stories
    "Also read: Russia has received guarantees from the US",
    "Read more: Putin arrives in Tehran",
    "READ ALSO",
    "READ MORE",
    "Related: Iran nuclear talks stall",
    "Related Articles",
    "See also - Erdogan meets Putin",
    # share, subscribe, cookies, calls to action
    "Share this article",
    "Share on Facebook",
    "Share",
    "Facebook Twitter WhatsApp Email",
    "Facebook | Twitter | LinkedIn",
    "Subscribe to our newsletter",
    "Sign up for our daily newsletter to get the best stories in your inbox",
    "We use cookies to improve your experience. By continuing, you agree to our use of cookies.",
    "By continuing to use this site, you agree to our cookie policy.",
    "Accept all cookies",
    "Follow us on Twitter",
    "Follow Jill Colvin on Twitter at https://twitter.com/colvinj",
    "Click here to read the full report",
    # photo credits and captions
    "(Photo: Reuters)",
    "Photo by John Smith/Getty Images",
    "Image credit: AFP",
    "Photo: AP",
    "(AP Photo/Evan Vucci)",
    "FILE PHOTO: Russian President Vladimir Putin attends a meeting in Moscow, Russia, July 1, 2022.",
    # copyright and advertising
    "© 2022 Reuters",
    "Copyright 2022 The Associated Press. All rights reserved.",
    "All rights reserved.",
    "Copyright © 2023 Alliance News",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
]


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_lines_are_removed(line):
    assert is_boilerplate(line)
    cleaned = clean_article("T", f"First paragraph.\n\n{line}\n\nLast paragraph.")
    assert cleaned.body == "First paragraph.\n\nLast paragraph."
    assert cleaned.removed == (line,)


BYLINES = [
    "By John Smith",
    "By JOHN SMITH, Associated Press",
    "By John Smith and Jane Doe",
    "By Jill Colvin | AP",
    "By Reuters Staff",
    "By Ahmad al-Sharaa, Staff Reporter",
    "BY MARIA DE LA CRUZ",
    "By J. R. Smith - Reuters",
    "Par Claire Moreau",
    "par Jean Leclerc",
]


@pytest.mark.parametrize("line", BYLINES)
def test_bylines_are_removed(line):
    assert is_byline(line)
    assert clean_article("T", f"{line}\n\nThe story.").body == "The story."


# Real sentences and subheadings that merely contain boilerplate words.
KEPT = [
    "By contrast, the ruble rose 2% against the dollar.",
    "By Monday, the government had resigned.",
    "By The Numbers",
    "By 2030 the plant will produce 5 GW.",
    "Par ailleurs, le gouvernement a annoncé une hausse des aides.",
    "Publié le mois dernier, le rapport montre une hausse des prix.",
    "La lecture du rapport a pris deux heures aux députés.",
    "The two leaders will share a stage in Tehran on Tuesday.",
    "Shares of Gazprom fell 3% on Monday.",
    "Share prices rose",
    "Copyright law is changing fast in 2022 because of AI.",
    "Photographers were kept away from the summit.",
    "Related talks will be held next week.",
    "Follow the money, investigators said.",
    "Comments by the minister angered Kyiv.",
    "Advertisement revenue fell 10% last year.",
    "Video shows the missile striking the building.",
    "Subscribers to the plan pay less.",
    "Attempts at alternative measures to deal with sanctions",
    "Also, read the fine print.",
    "Associated Press",  # an agency line is only dropped right after a byline
]


@pytest.mark.parametrize("line", KEPT)
def test_real_sentences_are_kept(line):
    assert not is_boilerplate(line) and not is_byline(line)
    cleaned = clean_article("T", f"First paragraph.\n\n{line}\n\nLast paragraph.")
    assert cleaned.body == f"First paragraph.\n\n{line}\n\nLast paragraph."
    assert cleaned.removed == ()


def test_long_lines_are_never_boilerplate():
    line = "Related: " + "the talks went on and on " * 20
    assert not is_boilerplate(line.strip())


# -- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Iran’s ‘supreme’ leader “said”", "Iran's 'supreme' leader \"said\""),
        ("Iran´s", "Iran's"),
        ("a\u00a0b\u2009c\u3000d", "a b c d"),
        ("Pu\u200btin\ufeff", "Putin"),
        ("Er\u00addo\u00adgan", "Erdogan"),
        ("a \t\t  b", "a b"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("a\n  \n \t \n\nb", "a\n\nb"),
        ("  a  \n  b  ", "a\nb"),
        ("a\x00b\x07c\x1bd\x7fe\x9f", "abcde"),
        ("a\x0bb\x0cc\u2028d\u2029e\x85f", "a\nb\nc\nd\ne\nf"),
        ("bad \ud800surrogate", "bad surrogate"),
        ("ﬁnal ﬂow", "final flow"),
        ("Ｒｅｕｔｅｒｓ ２０２２", "Reuters 2022"),
        ("e\u0301", "\u00e9"),  # NFC
        ("Putin — Erdogan – Raisi", "Putin — Erdogan – Raisi"),  # dashes kept
        ("non\u2011breaking", "non-breaking"),
        ("30 km² and ½", "30 km² and ½"),  # no NFKC: meaning kept
        ("总统，会见。", "总统，会见。"),  # CJK punctuation kept
        ("نقطة\u200cگذاری", "نقطة\u200cگذاری"),  # ZWNJ is meaningful in Persian
    ],
)
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>First&nbsp;paragraph &amp; more.</p><p>Second<br/>line</p>", "First paragraph & more.\n\nSecond\nline"),
        ("<div class='x'>Text <b>bold</b> <a href=\"/x\">link</a></div>", "Text bold link"),
        ("A<script type='text/javascript'>var x = '<p>';</script>B", "AB"),
        ("A<style>p {color: red}</style>B<!-- hidden -->C", "ABC"),
        ("A <script> never closed", "A never closed"),
        ("A <!-- never closed", "A never closed"),
        ("if a < b and c > d", "if a < b and c > d"),
        ("&lt;p&gt; is a tag; caf&eacute; &#8217;", "<p> is a tag; café '"),
    ],
)
def test_html_remnants(raw, clean):
    assert normalize_text(raw) == clean


# -- robustness and speed ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_never_raises_and_keeps_the_text_contract(title, body):
    cleaned = clean_article(title, body)
    assert isinstance(cleaned, CleanedArticle)
    assert cleaned.text == "\n\n".join(p for p in (cleaned.title, cleaned.body) if p)
    assert "\n" not in cleaned.title
    assert "\r" not in cleaned.text and "\n\n\n" not in cleaned.text
    assert all(line == line.strip() for line in cleaned.text.split("\n"))
    cleaned.text.encode("utf-8")  # no lone surrogates
    if cleaned.dateline is not None:
        assert cleaned.text[cleaned.dateline.start : cleaned.dateline.end] == cleaned.dateline.text


BOILERPLATE_ALPHABET = st.sampled_from(
    ["By ", "Also read", ": ", "Share", " on ", "Facebook", "©", "2022", "Photo", "/", "(", ")", "<p>", "<!--",
     "&amp;", "\n", "\n\n", " ", "\u00a0", "’", "Please enter your comment!", "ISLAMABAD, ", "July 19 ",
     "(AP) — ", "The ", "x"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(BOILERPLATE_ALPHABET, max_size=40).map("".join))
def test_cleaning_is_idempotent(body):
    once = clean_article("", body)
    assert clean_article("", once.body).body == once.body


PATHOLOGICAL = [
    "<a" * 100_000,
    "<!--" * 50_000,
    "<script>" * 25_000,
    "&" * 200_000,
    "By " * 60_000,
    "By John " * 25_000,
    "Facebook " * 20_000,
    "Facebook " * 12 + "x",
    "Related: " + "x" * 200_000,
    "(" * 200_000,
    " " * 200_000 + "x",
    "\n" * 200_000,
    "a" * 500_000,
]


@pytest.mark.parametrize("body", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_linear_time_on_pathological_input(body):
    started = time.perf_counter()
    clean_article(body[:1000], body)
    assert time.perf_counter() - started < 0.5


def test_fast_on_a_600_word_article():
    title, body = seed_article()
    words = body.split(" ")
    body = " ".join(words[:600])
    clean_article(title, body)
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        clean_article(title, body)
    per_article = (time.perf_counter() - started) / runs
    assert per_article < 0.001, f"{per_article * 1e6:.0f} µs per article"


@pytest.mark.parametrize("line", ["Home | World | Business | Subscribe", "News › Asia › Japan", "Home > News > World",
                                  "Sport | Football | Premier League"])
def test_a_menu_or_breadcrumb_line_before_the_dateline_is_dropped_and_the_dateline_found(line):
    cleaned = clean_article("Exports rise", f"{line}\n\nTOKYO — Japan's exports rose in May, the ministry said.")
    assert line in cleaned.removed and line not in cleaned.text
    assert cleaned.dateline is not None and cleaned.dateline.location == "Tokyo"


@pytest.mark.parametrize("line", ["Prices rose 3% / 4% in May, officials said | Reuters", "Mon, 12 Jan 2026 | 10:30",
                                  "The vote was 52 / 48 / 0 in the end.", "TOKYO —"])
def test_sentences_and_dates_with_separators_are_not_navigation(line):
    assert not is_navigation(line)



@pytest.mark.parametrize("line", ["Lire aussi : Le budget adopté", "À lire aussi", "Abonnez-vous à notre newsletter",
                                  "Laisser un commentaire", "12 commentaires", "Lee también: El Gobierno",
                                  "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués"])
def test_french_and_other_languages_boilerplate(line):
    assert is_boilerplate(line)


def test_french_sentences_are_not_boilerplate():
    assert not is_boilerplate("Le président a lu aussi le texte devant les députés.")


@pytest.mark.parametrize("line", [
    "Publié le 03/03/2025 à 10h05 Mis à jour le 03/03/2025 à 12h40",
    "Mis à jour le 5 mars 2025 à 18h12",
    "Lecture 3 min.",
    "Temps de lecture : 2 min",
    "Article réservé aux abonnés",
    "De notre correspondant à Bruxelles, Marc Delvaux",
    "Photo AFP / Julien Martel",
])
def test_french_article_furniture_before_the_dateline_is_removed(line):
    cleaned = clean_article("T", f"{line}\nBORDEAUX, 3 mars (AFP) - Les viticulteurs ont manifesté.")
    assert cleaned.body.startswith("BORDEAUX")
    assert cleaned.dateline is not None and cleaned.dateline.location == "Bordeaux"
