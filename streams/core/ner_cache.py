"""A bounded LRU of NER results per paragraph, so repeated text costs a lookup instead of spaCy.

Why: real feeds carry the same wire story in many outlets (a new headline and intro, the
same paragraphs), corrections and replays after a crash. NER is a pure function of the
model and the paragraph's text, so its result for a paragraph seen recently is reused.

One cache per loaded model: the key is a blake2b digest of the model's identity (name,
version, spaCy, components) and the paragraph's text, so a different model never reads
another's results. Entries hold entity spans with offsets relative to the paragraph; the
caller shifts them. The bound is in bytes (what the entries' Python objects take, counted
with ``sys.getsizeof``), least recently used out first; ``max_bytes=0`` disables the cache.
Nothing here knows spaCy or Kafka.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence

#: One cached span: (text, label, start, end), offsets relative to the paragraph.
Span = tuple[str, str, int, int]

#: Bytes of one entry in the ordered dict beside its key and value (hash table slot, the
#: linked-list node that keeps the order), measured with tracemalloc on CPython 3.11-3.12.
ENTRY_OVERHEAD = 104
DIGEST_BYTES = 16
#: The default bound of one model's cache (``NEWSSTREAM_NER_CACHE_BYTES``): about 40,000
#: paragraphs of news prose (~800 bytes each), some 5,000 articles.
DEFAULT_NER_CACHE_BYTES = 32 * 1024 * 1024


class NerCache:
    """Paragraph text -> its entity spans, for one model; least recently used out past ``max_bytes``.

    Thread-safe (the NLP thread writes, metrics read), and cheap: a lookup hashes the text once.
    """

    def __init__(self, identity: str, max_bytes: int):
        self.identity = identity
        self.max_bytes = max_bytes
        self._salt = hashlib.blake2b(identity.encode(), digest_size=DIGEST_BYTES).digest()
        self._entries: OrderedDict[bytes, tuple[tuple[Span, ...], int]] = OrderedDict()
        self._labels: dict[str, str] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def key(self, text: str) -> bytes:
        """The digest of the model's identity and ``text`` (surrogates kept, never an error)."""
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES,
                               key=self._salt).digest()

    def get(self, text: str) -> tuple[Span, ...] | None:
        """The spans cached for ``text``, now the most recently used; None (a miss) if absent."""
        if not self.enabled:
            return None
        key = self.key(text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, text: str, spans: Sequence[Span]) -> None:
        """Remember ``spans`` for ``text``, evicting the least recently used past the bound; an
        entry larger than the whole bound is not kept."""
        if not self.enabled:
            return
        value = tuple((span_text, self._label(label), start, end) for span_text, label, start, end in spans)
        size = entry_bytes(value)
        if size > self.max_bytes:
            return
        key = self.key(text)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted
                self.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def _label(self, label: str) -> str:
        """One string object per label (spaCy hands out a new one per span): counted once, shared."""
        return self._labels.setdefault(label, label)


def entry_bytes(value: tuple[Span, ...]) -> int:
    """What one entry takes: the key, the ordered dict's slot and node, the (value, size) pair,
    the spans' tuples, texts and offsets (labels are shared; small ints are CPython's own).
    Within 2% of what tracemalloc measures (``tests/unit/core/test_ner_cache.py``)."""
    size = (ENTRY_OVERHEAD + sys.getsizeof(b"\0" * DIGEST_BYTES) + sys.getsizeof((value, 0)) + sys.getsizeof(value)
            + sys.getsizeof(1 << 20))  # the size itself
    for text, _, start, end in value:
        size += sys.getsizeof((text, "", 0, 0)) + sys.getsizeof(text)
        size += sum(sys.getsizeof(offset) for offset in (start, end) if offset > 256)
    return size
