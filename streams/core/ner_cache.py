"""A bounded cache of NER results per paragraph, so repeated text costs almost no NER.

Why per paragraph: feeds carry the same wire story in many outlets with a new headline and
intro, corrections of earlier articles, and replays after a crash. Their paragraphs repeat
even when the whole text does not. NER reads each paragraph on its own
(``streams.core.nlp.paragraphs``), so a paragraph's entities depend only on its text and the
pipeline: a cached result is exactly what a fresh run gives.

Memory is bounded by bytes, counted as an upper bound of what an entry holds: a key of 16
bytes and the cache's own bookkeeping (``ENTRY_BYTES``), plus ``MENTION_BYTES`` per mention
(label number, start, end packed). The least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence

#: What one entry costs beyond its mentions, over-counted: the 16-byte key and the packed value
#: as bytes objects (33 + length each), the OrderedDict's slot and link (about 100).
ENTRY_BYTES = 240
#: One mention packed: label number (1 byte), start and end within the paragraph (4 bytes each).
_MENTION = struct.Struct("<BII")
MENTION_BYTES = _MENTION.size

Span = tuple[str, int, int]
"""A mention within its paragraph: (label, start, end)."""


def entry_bytes(mentions: Sequence[Span]) -> int:
    """What one cached paragraph counts against the cache's bound."""
    return ENTRY_BYTES + MENTION_BYTES * len(mentions)


class ParagraphCache:
    """Least-recently-used map from (pipeline identity, paragraph text) to its mentions.

    Thread-safe: the worker's NER runs in a thread beside the event loop that reads the
    metrics. ``max_bytes`` of 0 keeps nothing.
    """

    def __init__(self, max_bytes: int):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, not {max_bytes}")
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._labels: list[str] = []
        self._label_numbers: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(identity: str, text: str) -> bytes:
        """A digest of the pipeline identity and the paragraph (16 bytes: collisions are not a concern)."""
        return hashlib.blake2b(f"{identity}\0{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> list[Span] | None:
        """The cached mentions of a paragraph, or None (counted as a hit or a miss)."""
        with self._lock:
            packed = self._entries.get(key)
            if packed is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            labels = self._labels
            return [(labels[number], start, end) for number, start, end in _MENTION.iter_unpack(packed)]

    def put(self, key: bytes, mentions: Sequence[Span]) -> None:
        """Keep a paragraph's mentions, dropping the least recently used entries past the bound."""
        size = entry_bytes(mentions)
        if size > self.max_bytes:
            return
        with self._lock:
            packed = b"".join(_MENTION.pack(self._label_number(label), start, end) for label, start, end in mentions)
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= ENTRY_BYTES + len(previous)
            self._entries[key] = packed
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= ENTRY_BYTES + len(dropped)

    def _label_number(self, label: str) -> int:
        number = self._label_numbers.get(label)
        if number is None:
            if len(self._labels) >= 256:
                raise ValueError("more than 256 entity labels: the packed format holds one byte")
            number = self._label_numbers[label] = len(self._labels)
            self._labels.append(label)
        return number

    def stats(self) -> dict[str, int]:
        """Counts since start, for the batch report and the metrics."""
        with self._lock:
            return {"hit": self.hits, "miss": self.misses, "bytes": self.bytes, "entries": len(self._entries)}
