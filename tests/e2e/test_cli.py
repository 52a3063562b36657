"""The newsstream command line, run as a user would run it (subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from streams.config import settings_environment as settings_env
from tests.conftest import SEED

pytestmark = pytest.mark.e2e


def newsstream(*args: str, env=None, stdin: bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args], env=env, input=stdin, capture_output=True, timeout=timeout
    )


def test_every_command_has_help():
    for command in ("demo", "worker", "broker", "produce", "consume", "reset", "enrich", "status", "bench"):
        result = newsstream(command, "--help")
        assert result.returncode == 0, result.stderr.decode()
        assert b"Usage" in result.stdout


def test_demo_prints_the_enriched_seed_and_exits_0():
    result = newsstream("demo", env={**os.environ, "COLUMNS": "300"})  # one line per row
    output = result.stdout.decode()
    assert result.returncode == 0, output + result.stderr.decode()
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    assert "Vladimir Putin" in lines["PERSON"]
    assert "Tehran" in lines["GPE"]
    for code in ("RU", "IR", "TR", "SY", "US"):
        assert f"{code} " in output
    assert "1 sent, 1 enriched, 0 dead-lettered" in output
    assert "newsstream_articles_enriched_total 1.0" in output  # the worker served its metrics
    assert "live page: http://127.0.0.1:" in result.stderr.decode()


def test_demo_serve_keeps_the_page_up_with_a_trickle_until_ctrl_c():
    """`demo --serve --trickle 4`: the page's state counts the seed and the trickle; Ctrl-C (SIGINT to the
    process group, as a terminal sends it) stops the broker, the worker and the page, exit 0: the worker
    gracefully (the broker is still up for its last commit), not killed after its stop timeout."""
    import re
    import signal
    import time

    from streams.status import fetch

    demo = subprocess.Popen([sys.executable, "-m", "streams", "demo", "--serve", "--trickle", "4"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        url, said = None, []
        deadline = time.monotonic() + 240
        while url is None and time.monotonic() < deadline and demo.poll() is None:
            line = demo.stderr.readline().decode()
            said.append(line)
            if match := re.search(r"serving the live page at (http://127\.0\.0\.1:\d+/) until Ctrl-C", line):
                url = match.group(1)
        assert url, "".join(said)
        state = {}
        while time.monotonic() < deadline and state.get("figures", {}).get("enriched_total", 0) < 5:
            answer = fetch(url + "state", timeout=5)
            state = orjson.loads(answer[1]) if answer and answer[0] == 200 else {}
            time.sleep(0.5)
        assert state["figures"]["enriched_total"] >= 5, state
        assert any(a["id"].startswith("trickle-") for a in state["articles"])
        assert state["countries"].get("IR", 0) >= 1
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            code = demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)  # what it logged while stopping says where it hung
            raise AssertionError(f"still running 60 s after Ctrl-C:\n{demo.stderr.read().decode()[-6000:]}") from None
    stopping = demo.stderr.read().decode()
    assert code == 0, stopping
    assert "stopping (sent" in stopping and "did not stop within" not in stopping, stopping


def test_enrich_reads_json_lines_and_dead_letters_bad_lines():
    seed = {"title": SEED.read_text().split("\n", 1)[0], "body": SEED.read_text().split("\n", 1)[1]}
    lines = orjson.dumps(seed) + b"\nnot json\n" + orjson.dumps({"title": "Floods in Bangladesh"}) + b"\n"
    result = newsstream("enrich", stdin=lines)
    assert result.returncode == 3  # some records were dead-lettered
    enriched = [orjson.loads(line) for line in result.stdout.splitlines()]
    dead = [orjson.loads(line) for line in result.stderr.splitlines() if line.startswith(b"{")]
    assert len(enriched) == 2 and len(dead) == 1
    assert dead[0]["error"]["code"] == "invalid_json" and dead[0]["payload"] == "not json"
    assert {"PERSON"} <= {e["label"] for e in enriched[0]["entities"]}
    assert "BD" in {c["code"] for c in enriched[1]["countries"]}


def test_produce_refuses_an_invalid_file_with_file_line_and_reason(tmp_path, settings):
    path = tmp_path / "articles.jsonl"
    path.write_text('{"title": "fine"}\n{"title": 3}\n{"body": "   "}\n')
    result = newsstream("produce", str(path), env=settings_env(settings))
    message = result.stderr.decode()
    assert result.returncode == 1
    assert f"{path}:2" in message and "schema_violation" in message
    assert f"{path}:3" in message and "empty_article" in message
    assert "nothing sent" in message


def test_produce_consume_and_status_against_a_worker(tmp_path, settings, start_worker):
    worker = start_worker()
    path = tmp_path / "articles.jsonl"
    path.write_bytes(
        orjson.dumps({"id": "ke", "title": "Floods hit Nairobi", "body": "Kenya's capital Nairobi was flooded."})
        + b"\n"
        + orjson.dumps({"id": "ir", "title": "Iran talks", "body": "Officials in Tehran met the delegation."})
        + b"\n"
    )
    env = settings_env(settings)
    produced = newsstream("produce", str(path), env=env)
    assert produced.returncode == 0, produced.stderr.decode()
    consumed = newsstream(
        "consume", "--from-beginning", "--country", "IR", "--json", "--max", "1", "--idle-timeout", "60", env=env
    )
    assert consumed.returncode == 0, consumed.stderr.decode()
    [record] = [orjson.loads(line) for line in consumed.stdout.splitlines()]
    assert record["id"] == "ir"

    shown = newsstream("status", "--endpoint", f"http://127.0.0.1:{worker.metrics_port}", "--window", "1",
                       env=env | {"COLUMNS": "200"})
    screen = shown.stdout.decode()
    assert shown.returncode == 0, screen + shown.stderr.decode()
    assert "1 of 1 answering, 1 ready" in screen
    assert "enriched" in screen and " 2" in screen  # two articles enriched in total
    assert "IR " in screen and "KE " in screen

    mapped = newsstream("consume", "--from-beginning", "--place", "Tehran", "--geojson", "--max", "1",
                        "--idle-timeout", "60", env=env)
    assert mapped.returncode == 0, mapped.stderr.decode()
    collection = orjson.loads(mapped.stdout)
    assert collection["type"] == "FeatureCollection"
    tehran = next(f for f in collection["features"] if f["properties"]["name"] == "Tehran")
    lon, lat = tehran["geometry"]["coordinates"]
    assert abs(lat - 35.69) < 0.5 and abs(lon - 51.42) < 0.5 and tehran["properties"]["article_id"] == "ir"
