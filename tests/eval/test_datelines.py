"""Datelines of the French press (and some English wire) as scraped: ``dev_fr_datelines.jsonl``.

154 openings written by a helper who never saw the parser (see README.md here): 121 with a dateline,
33 without (labels, headlines, a place as the subject). Parsed through ``clean_article``, so the web
furniture before a dateline (time stamps, bylines, reading time) must be gone first.
Achieved: 120 of 121 parsed (Québec's title-case "Gatineau —" is not: "Lisbon — The government fell" is
a sentence), no false dateline (before this set: 83 of 121, 7 false).
"""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.core.clean import clean_article

ROWS = [orjson.loads(line) for line in (Path(__file__).parent / "dev_fr_datelines.jsonl").read_bytes().splitlines()]


def parsed(row: dict) -> str | None:
    dateline = clean_article("Titre", row["opening"] + "\n\nLa suite de l'article.").dateline
    return dateline.text if dateline is not None else None


def test_datelines_are_found_and_name_their_place():
    with_place = [row for row in ROWS if row["place"]]
    found = [row for row in with_place if (text := parsed(row)) is not None and row["place"].lower() in text.lower()]
    missed = [row["opening"][:60] for row in with_place if row not in found]
    assert len(found) / len(with_place) >= 0.97, missed


def test_openings_without_a_dateline_get_none():
    false = [(row["opening"][:60], parsed(row)) for row in ROWS if not row["place"] and parsed(row) is not None]
    assert len(false) <= 1, false
