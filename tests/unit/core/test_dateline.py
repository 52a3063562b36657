"""parse_dateline: the wire datelines we see, and sentences that must not pass for one."""

from __future__ import annotations

import time

import pytest

from streams.core.dateline import Dateline, parse_dateline

# (body start, text, location, region, date, agency)
POSITIVE = [
    ("ISLAMABAD, July 19 (Alliance News): Russian President", "ISLAMABAD, July 19 (Alliance News):", "Islamabad", None, "July 19", "Alliance News"),
    ("WASHINGTON (Reuters) - The Senate", "WASHINGTON (Reuters) -", "Washington", None, None, "Reuters"),
    ("WASHINGTON (Reuters) — The Senate", "WASHINGTON (Reuters) —", "Washington", None, None, "Reuters"),
    ("TBILISI, Georgia — Thousands marched", "TBILISI, Georgia —", "Tbilisi", "Georgia", None, None),
    ("ATLANTA (AP) — A judge", "ATLANTA (AP) —", "Atlanta", None, None, "AP"),
    ("LONDON, March 3 (Reuters) - Oil prices", "LONDON, March 3 (Reuters) -", "London", None, "March 3", "Reuters"),
    ("NEW YORK (AP) -- Stocks fell", "NEW YORK (AP) --", "New York", None, None, "AP"),
    ("KYIV, Ukraine (AP) — Russia fired", "KYIV, Ukraine (AP) —", "Kyiv", "Ukraine", None, "AP"),
    ("ALEXANDRIA, La. (AP) — A judge", "ALEXANDRIA, La. (AP) —", "Alexandria", "La.", None, "AP"),
    ("PARIS, Texas — The mayor", "PARIS, Texas —", "Paris", "Texas", None, None),
    ("BEIRUT/DUBAI, Jan 5 (Reuters) - Iran said", "BEIRUT/DUBAI, Jan 5 (Reuters) -", "Beirut", None, "Jan 5", "Reuters"),
    (
        "SAN JUAN, Puerto Rico, Oct. 2 (Reuters) - Power was",
        "SAN JUAN, Puerto Rico, Oct. 2 (Reuters) -",
        "San Juan", "Puerto Rico", "Oct. 2", "Reuters",
    ),
    ("ST. LOUIS (AP) - A man", "ST. LOUIS (AP) -", "St. Louis", None, None, "AP"),
    ("Washington, July 2 (IANS): The US", "Washington, July 2 (IANS):", "Washington", None, "July 2", "IANS"),
    ("NEW DELHI: India on Monday", "NEW DELHI:", "New Delhi", None, None, None),
    ("WASHINGTON, D.C. — The", "WASHINGTON, D.C. —", "Washington", "D.C.", None, None),
    ("NEW YORK, N.Y., July 4, 2022 (AP) — The", "NEW YORK, N.Y., July 4, 2022 (AP) —", "New York", "N.Y.", "July 4, 2022", "AP"),
    ("GENEVA, 19 July (Xinhua) -- The", "GENEVA, 19 July (Xinhua) --", "Geneva", None, "19 July", "Xinhua"),
    ("BERLIN (dpa) - Germany", "BERLIN (dpa) -", "Berlin", None, None, "dpa"),
    ("MOSCOW, July 19 – \"We will", "MOSCOW, July 19 –", "Moscow", None, "July 19", None),
    ("RIO DE JANEIRO, Brazil (AP) — A", "RIO DE JANEIRO, Brazil (AP) —", "Rio de Janeiro", "Brazil", None, "AP"),
    ("KING'S LYNN, England — A", "KING'S LYNN, England —", "King's Lynn", "England", None, None),
    ("WINSTON-SALEM, N.C. (AP) — A", "WINSTON-SALEM, N.C. (AP) —", "Winston-Salem", "N.C.", None, "AP"),
    # "Place:" in title case, as some Indian, Australian and European outlets write it
    ("Lisbon: The government fell", "Lisbon:", "Lisbon", None, None, None),
    ("Kuala Lumpur: Shares rose", "Kuala Lumpur:", "Kuala Lumpur", None, None, None),
    ("Adelaide, South Australia: Police said", "Adelaide, South Australia:", "Adelaide", "South Australia", None, None),
    ("Nairobi: Kenya's", "Nairobi:", "Nairobi", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("body", "text", "location", "region", "date", "agency"), POSITIVE)
def test_recognises_wire_datelines(body, text, location, region, date, agency):
    dateline = parse_dateline(body)
    assert dateline == Dateline(text, location, region, date, agency, 0, len(text))
    assert body[dateline.start : dateline.end] == dateline.text
    assert dateline.country is None


NEGATIVE = [
    "Russia, China and Iran said on Monday they would cooperate.",
    "However, the talks failed.",
    "In May, Reuters published a report.",
    "In May, Reuters (the agency) - published",
    "US President Joe Biden arrived in Israel.",
    "BREAKING: Putin lands in Tehran",
    "UPDATE 1-Russia says talks are over",
    "NATO — which Turkey belongs to — said",  # the sentence goes on in lower case
    "Meanwhile — Tom said",  # title case place without date or agency
    "Monday: The talks",
    # title-case labels before a colon
    "Update: The ministry has since replied.",
    "Note: All times are local.",
    "Warning: The following images are graphic.",
    "Editor's note: This story was corrected.",
    "Editor's Note: This story was corrected.",
    "Analysis: Why the vote matters",
    "Opinion: The tax is a mistake",
    "Watch: The moment the bridge fell",
    "Live Updates: The count goes on",
    "March: The month began",
    "Lisbon: the government fell",  # not the start of a sentence
    "Lisbon:The government fell",  # no space
    'Lisbon: "We will',  # a quote may follow a wire dateline, not a bare "Place:"
    "Lisbon — The government fell",  # title case before a dash still needs a date or agency
    "The IAEA: Iran has enriched",
    "A — B",
    "Vladimir Putin will meet Ayatollah Ali Khamenei in Tehran.",
    "",
    "   \n\n ",
    "ISLAMABAD, July 19 (Alliance News):",  # nothing follows: not the start of a story
    "ISLAMABAD, July 19 (Alliance News):\nRussian President",  # datelines do not span lines
]


@pytest.mark.parametrize("body", NEGATIVE)
def test_ignores_ordinary_sentences(body):
    assert parse_dateline(body) is None


def test_only_the_start_of_the_body_counts():
    assert parse_dateline("Russian officials said.\nWASHINGTON (Reuters) - The") is None


def test_offsets_skip_leading_white_space():
    body = "\n  KYIV, Ukraine (AP) — Russia fired"
    dateline = parse_dateline(body)
    assert dateline is not None
    assert (dateline.start, dateline.end) == (3, 23)
    assert body[dateline.start : dateline.end] == dateline.text == "KYIV, Ukraine (AP) —"


def test_accepts_uncleaned_spacing_and_apostrophes():
    dateline = parse_dateline("KING’S LYNN, England\u00a0— A man")
    assert dateline is not None
    assert (dateline.location, dateline.region) == ("King’s Lynn", "England")


def test_constant_time_on_pathological_input():
    bodies = [
        "A" * 1_000_000,
        "A, " * 300_000,
        "NEW " * 200_000 + "(",
        "(" * 1_000_000,
        "ISLAMABAD, July 19 (" + "x" * 1_000_000,
    ]
    started = time.perf_counter()
    for body in bodies:
        assert parse_dateline(body) is None
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(("body", "location", "date", "agency"), [
    ("PARIS, 1er décembre (AFP) - Le ministre", "Paris", "1er décembre", "AFP"),
    ("PARIS, 14 mars 2025 (AFP) - Le ministre", "Paris", "14 mars 2025", "AFP"),
    ("BRUXELLES (Reuters) - La Commission", "Bruxelles", None, "Reuters"),
    ("MONTRÉAL, 3 févr. (AFP) - « Nous", "Montréal", "3 févr.", "AFP"),
    ("CÓRDOBA (EFE) - El Gobierno", "Córdoba", None, "EFE"),
    ("LE CAIRE, 2 août (AFP) - Les", "Le Caire", "2 août", "AFP"),
])
def test_french_and_accented_datelines(body, location, date, agency):
    dateline = parse_dateline(body)
    assert dateline is not None and (dateline.location, dateline.date, dateline.agency) == (location, date, agency)


# (body start, location, region, date, agency): the French press's other shapes
@pytest.mark.parametrize(("body", "location", "region", "date", "agency"), [
    ("LA NOUVELLE-ORLÉANS (États-Unis), 9 août (AFP) - Des", "La Nouvelle-Orléans", "États-Unis", "9 août", "AFP"),
    ("GAZA (Territoires palestiniens) (AFP) - Des familles", "Gaza", "Territoires palestiniens", None, "AFP"),
    ("TOULON (AFP) - La Marine", "Toulon", None, None, "AFP"),
    ("BRUXELLES, 4 mars (AFP/Belga) - Les syndicats", "Bruxelles", None, "4 mars", "AFP/Belga"),
    ("Namur, le 5 mars (Belga) - Le gouvernement", "Namur", None, "le 5 mars", "Belga"),
    ("ROME, mardi (AFP) - Le Sénat", "Rome", None, "mardi", "AFP"),
    ("LE CAIRE, lundi 3 mars (AFP) - Les autorités", "Le Caire", None, "lundi 3 mars", "AFP"),
    ("Casablanca, 12/03/2025 (MAP) – Le trafic", "Casablanca", None, "12/03/2025", "MAP"),
    ("Valence (Drôme) – Un nouveau centre de santé", "Valence", "Drôme", None, None),
    ("Pointe-à-Pitre (Guadeloupe) – Le CHU a", "Pointe-à-Pitre", "Guadeloupe", None, None),
    ("QUÉBEC | Le gouvernement du Québec déposera", "Québec", None, None, None),
    ("Rennes. Le conseil municipal a adopté lundi soir le nouveau plan de circulation du centre-ville.",
     "Rennes", None, None, None),
    ("Metz, le 4 mars 2025. Le tribunal administratif a suspendu jeudi l'arrêté municipal sur la mendicité.",
     "Metz", None, "le 4 mars 2025", None),
    ("TOULON (AFP) - par Marion Ferrand - La Marine nationale", "Toulon", None, None, "AFP"),
])
def test_brackets_weekdays_numeric_dates_pipes_and_full_stops(body, location, region, date, agency):
    dateline = parse_dateline(body)
    assert dateline is not None
    assert (dateline.location, dateline.region, dateline.date, dateline.agency) == (location, region, date, agency)


@pytest.mark.parametrize("body", [
    "EXCLUSIF - Le groupe envisagerait de fermer deux usines",
    "ENTRETIEN - Le président de la fédération revient sur la saison",
    "AFP - Le ministère de l'Intérieur a annoncé dimanche",
    "Lyon. Une exposition consacrée aux soieries lyonnaises au musée des Tissus",  # a headline: no sentence end
    "Nice. Merci.",  # too short to be a dateline and a sentence
    "U.S. President Joe Biden said on Monday that the talks would go on until the end of the week.",
    "Paris a annoncé lundi un plan de soutien aux agriculteurs.",
])
def test_french_labels_headlines_and_sentences_are_no_datelines(body):
    assert parse_dateline(body) is None
