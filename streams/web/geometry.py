"""The map's geometry: Natural Earth's countries (vendored world-atlas TopoJSON) with ISO alpha-2 codes.

world-atlas names shapes by ISO 3166-1 *numeric* id; the stream tags countries by alpha-2. The
codes are added here, once, server-side (pycountry), so the page needs no lookup table of its own.
"""

from __future__ import annotations

import functools
from importlib import resources

import orjson
import pycountry

STATIC = resources.files("streams.web") / "static"
ATLAS = "vendor/countries-110m.json"


@functools.cache
def unnumbered_codes() -> dict[str, str]:
    """Alpha-2 codes of the shapes that have no numeric id, by their atlas name (data file)."""
    data = resources.files("streams.core") / "data" / "web_map_unnumbered.json"
    return dict(orjson.loads(data.read_bytes())["codes"])


def alpha2(numeric: str | None, name: str) -> str | None:
    """The shape's ISO alpha-2 code, or None when neither its id nor its name gives one."""
    if numeric:
        country = pycountry.countries.get(numeric=numeric)
        if country is not None:
            return country.alpha_2
    return unnumbered_codes().get(name)


@functools.cache
def map_topology() -> bytes:
    """The TopoJSON the page draws, every country geometry with ``properties.code`` (alpha-2) and name."""
    topology = orjson.loads((STATIC / ATLAS).read_bytes())
    for geometry in topology["objects"]["countries"]["geometries"]:
        properties = geometry.setdefault("properties", {})
        properties["code"] = alpha2(geometry.get("id"), str(properties.get("name") or ""))
    topology["objects"].pop("land", None)  # drawn from the countries; half the bytes
    return orjson.dumps(topology)
