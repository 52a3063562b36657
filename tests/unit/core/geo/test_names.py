"""Name keys and the raw-text name scanner."""

from __future__ import annotations

import pytest

from streams.core.geo import normalize_name


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("the U.S.", "us"),
        ("Iran's", "iran"),
        ("Iran’s", "iran"),
        ("Kahramanmaraş", "kahramanmaras"),
        ("Rostov-on-Don", "rostov on don"),
        ("The Hague", "hague"),
        ("  Côte d’Ivoire ", "cote d'ivoire"),
    ],
)
def test_normalize_name(raw, key):
    assert normalize_name(raw) == key


# -- the name scanner (country names in text no mention covers) -----------------------


def scanned(gaz, text: str) -> list[str]:
    return [text[start:end] for start, end in gaz.scanner.finditer(text)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("'Iran' and (Iraq)", ["Iran", "Iraq"]),  # quotes and brackets around a name
        ("‘Iran’ talks; talks with Iran.'", ["Iran", "Iran"]),
        ("Americans' fears and Iran's army", ["Americans", "Iran"]),  # possessives
        ("'U.S.' and U.K. troops", ["U.S.", "U.K."]),
        ("x'Iran, PreIran, McOman", []),  # a capital inside a token starts no name
        ("Papua New Guinea's capital and Guinea-Bissau", ["Papua New Guinea", "Guinea-Bissau"]),
        ("Bosnia and Herzegovina; Bosnia   and Herzegovina", ["Bosnia and Herzegovina", "Bosnia"]),
        ("New Mexico, 'New Mexico and x.New Mexico", ["Mexico"]),  # only the last "New" is no token of its own
        ("the Gulf of Oman, then Oman", ["Oman"]),  # an excluded name is consumed whole
        ("iran, chad and turkey", []),  # case-sensitive
    ],
)
def test_the_name_scanner(gaz, text, names):
    assert scanned(gaz, text) == names
