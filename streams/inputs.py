"""Reading raw articles from files: JSON, JSON Lines, or plain text (title on the first line).

Every article comes with where it was read (file and line), so a producer refusing a
bad record can say exactly which one and why.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from streams.errors import ConfigError

JSON_LINES_SUFFIXES = {".jsonl", ".ndjson", ".jsonlines"}
TEXT_SUFFIXES = {".txt", ".text"}


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One record read from a file: the decoded article, or the raw bytes it could not decode."""

    where: str  # "file:line"
    article: dict[str, Any] | None
    raw: bytes
    error: str | None = None


def text_article(text: str) -> dict[str, Any]:
    """A plain-text article: the first non-empty line is the title, the rest the body."""
    lines = text.lstrip("\ufeff").strip("\n").split("\n", 1)
    title = lines[0].strip()
    body = lines[1].strip("\n") if len(lines) > 1 else ""
    return {"title": title, "body": body}


def _decoded(where: str, raw: bytes) -> InputRecord:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return InputRecord(where, None, raw, f"not valid JSON: {exc}")
    if not isinstance(value, dict):
        return InputRecord(where, None, raw, f"a JSON {type(value).__name__}, not an object")
    return InputRecord(where, value, raw)


def _json_lines(name: str, data: bytes) -> Iterator[InputRecord]:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield _decoded(f"{name}:{number}", line)


def _json_document(name: str, data: bytes) -> Iterator[InputRecord]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        # Not one document: maybe JSON Lines after all (common for "-" and .json files).
        yield from _json_lines(name, data)
        return
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items, start=1):
        where = f"{name}[{index}]" if isinstance(value, list) else f"{name}:1"
        if isinstance(item, dict):
            yield InputRecord(where, item, orjson.dumps(item))
        else:
            yield InputRecord(where, None, orjson.dumps(item), f"a JSON {type(item).__name__}, not an object")


#: Leading bytes of compressed and archive formats: such input is refused whole, in one line,
#: instead of one UTF-8 error per "line" of binary.
_COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd",
               b"PK\x03\x04": "zip", b"7z\xbc\xaf\x27\x1c": "7-Zip"}


class InputError(ConfigError):
    """An input file that holds no articles this reader can take."""


def read_records(path: str) -> Iterator[InputRecord]:
    """Articles from one file ("-" is standard input), by the file's suffix.

    Raises InputError for compressed or binary data (decompress it first) and OSError
    when the file cannot be read.
    """
    if path == "-":
        data, name, suffix = sys.stdin.buffer.read(), "<stdin>", ".json"
    else:
        file = Path(path)
        data, name, suffix = file.read_bytes(), str(file), file.suffix.lower()
    check_text(name, data)
    if suffix in TEXT_SUFFIXES:
        try:
            article = text_article(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield InputRecord(f"{name}:1", None, data, f"not valid UTF-8: {exc.reason} at byte {exc.start}")
            return
        yield InputRecord(f"{name}:1", article, orjson.dumps(article))
    elif suffix in JSON_LINES_SUFFIXES:
        yield from _json_lines(name, data)
    else:
        yield from _json_document(name, data)


def check_text(name: str, data: bytes) -> None:
    """Refuse compressed or binary input with one line saying what it is and what to do."""
    for magic, kind in _COMPRESSED.items():
        if data.startswith(magic):
            raise InputError(f"{name} is {kind}-compressed: decompress it first "
                             f"(for gzip: gunzip -c {name} | newsstream produce -)")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} is binary (it holds NUL bytes), not JSON, JSON Lines or text articles")


def seed_files(directory: Path) -> list[Path]:
    """The sample articles in a seeds directory, in name order."""
    suffixes = TEXT_SUFFIXES | JSON_LINES_SUFFIXES | {".json"}
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
