"""Natural features and informal regions (``data/geo_features.json``), a mixin of
:class:`Gazetteer`.

Why a table of our own: the GeoNames tables of the pinned packages hold towns and
administrative areas only, while local news names rivers, lakes and regions ("the
Hocking River", "the Palouse") as often as towns. A feature that spans several states
or countries is indexed once per state or country, each with a point on its stretch
there: the resolver then picks the one in the article's state or nearest its other
places, as it does for "Fulton County". A curated English region of the same name
(``geo_regions.json``: "Pilbara", "Top End") keeps its kind and takes the feature's
point instead of its country's.
"""

from __future__ import annotations

from streams.core.geo.kinds import PlaceKind
from streams.core.geo.names import normalize_name
from streams.core.geo.place import Place

_KINDS = {"feature": PlaceKind.FEATURE, "region": PlaceKind.AREA}
_SOURCE = "geo_features.json"


class FeatureTables:
    """``Gazetteer._add_features`` (called after towns: a town of the same name stays the
    first candidate, and the prior decides)."""

    def _add_features(self) -> None:
        from streams.core.geo.data import DataError

        for name, entry in self._read(_SOURCE)["features"].items():
            kind = _KINDS.get(entry["kind"])
            if kind is None:
                raise DataError(f"{_SOURCE}: {name!r} has kind {entry['kind']!r}, not one of {sorted(_KINDS)}")
            for alias in (name, *entry.get("aliases", ())):
                key = normalize_name(alias)
                for code, admin1, lat, lon in entry["at"]:
                    if self._move_region(key, code, name, lat, lon):
                        continue
                    self._add_curated(alias, Place(code, kind, admin1, 0, False, 0, name, lat, lon), _SOURCE)

    def _move_region(self, key: str, code: str, name: str, lat: float, lon: float) -> bool:
        """A curated region of that name and country takes the feature's point and name, and drops
        the country's GeoNames id it carried: it is a place of its own ("Provence" is no entry of France's)."""
        bucket = self._index.get(key, [])
        for i, place in enumerate(bucket):
            if place.kind == PlaceKind.REGION and place.code == code:
                moved = place._replace(lat=lat, lon=lon, geonameid=0, name=name)
                bucket[i] = self._interned.setdefault(moved, moved)
                return True
        return False
