"""Reading enriched records' places: a filter and GeoJSON (pure, for consumers and the CLI).

Why here: what a place *is* in a record (``places[]``, ``dateline.place``) is defined
next to the code that writes it, so consumers filter and map on the same terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.core.geo.names import normalize_name


def record_places(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's places and its places no one country holds (``world_places``: "Black Sea")."""
    return [*(record.get("places") or ()), *(record.get("world_places") or ())]


def place_matches(record: dict[str, Any], query: str | int) -> bool:
    """Whether the record names the place ``query``: a GeoNames id (int or digits) or a
    name, compared case- and accent-insensitively with the place's name and with what
    the text wrote ("Tehran", "tehran", "Téhéran" if written so)."""
    places = record_places(record)
    text = str(query).strip()
    if text.isdigit():
        return any(place.get("geonameid") == int(text) for place in places)
    key = normalize_name(text)
    if not key:
        return False
    for place in places:
        names = [place.get("name", ""), *(m.get("text", "") for m in place.get("mentions", ()))]
        if any(normalize_name(name) == key for name in names):
            return True
    return False


def to_geojson(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection: one Point feature per place of each record (``world_places``
    included), with the place's properties and the article's id and title (GeoJSON orders
    coordinates lon, lat)."""
    features = []
    for record in records:
        for place in record_places(record):
            properties = {key: value for key, value in place.items() if key not in ("lat", "lon")}
            properties["article_id"] = record.get("id")
            properties["title"] = record.get("title")
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "features": features}
