"""Reading article files: JSON, JSON Lines, plain text; bad lines named by file and line."""

from __future__ import annotations

from streams.inputs import read_records, seed_files, text_article
from tests.conftest import ROOT, SEED


def test_text_article_splits_title_from_body():
    assert text_article("Headline\n\nFirst paragraph.\nSecond.") == {
        "title": "Headline",
        "body": "First paragraph.\nSecond.",
    }


def test_seed_file_reads_as_one_article():
    [record] = list(read_records(str(SEED)))
    assert record.article["title"].startswith("Russian president")
    assert "ISLAMABAD, July 19 (Alliance News):" in record.article["body"]
    assert SEED in seed_files(ROOT / "seeds")


def test_json_lines_report_bad_lines_with_their_number(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "a"}\n\nnot json\n[1]\n')
    records = list(read_records(str(path)))
    assert [r.where for r in records] == [f"{path}:1", f"{path}:3", f"{path}:4"]
    assert records[0].article == {"title": "a"}
    assert "not valid JSON" in records[1].error and "not an object" in records[2].error


def test_json_array_and_single_object(tmp_path):
    array = tmp_path / "a.json"
    array.write_text('[{"title": "a"}, {"title": "b"}]')
    assert [r.article["title"] for r in read_records(str(array))] == ["a", "b"]
    single = tmp_path / "b.json"
    single.write_text('{"title": "c"}')
    assert [r.article["title"] for r in read_records(str(single))] == ["c"]
