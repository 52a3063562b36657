"""The live page in a real browser: Debian's chromium driven by Playwright, a real worker and broker.

Chromium is not a Python package: ``.ci/run`` installs the Debian package; elsewhere the tests
skip with the reason when it (or Playwright) is missing, and fail under CI. Screenshots go to
``NEWSSTREAM_TEST_ARTIFACTS`` when set, else to the test's tmp_path; their paths are printed.
Waits are bounds, never timings asserted: the figures are printed.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import orjson
import pytest

from streams.inputs import text_article
from streams.processes import free_port
from tests.conftest import SEED
from tests.deploy import missing
from tests.integration.test_pipeline import produce

pytestmark = pytest.mark.integration

TEHRAN = "112931"  # GeoNames id of the seed's Tehran
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        missing("`chromium` is not on PATH; install it with: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed; install it with: pip install playwright==1.65.2")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)  # a fresh temp profile
        yield browser
        browser.close()


def artefacts(tmp_path: Path) -> Path:
    where = Path(os.environ["NEWSSTREAM_TEST_ARTIFACTS"]) if os.environ.get("NEWSSTREAM_TEST_ARTIFACTS") else tmp_path
    where.mkdir(parents=True, exist_ok=True)
    return where


def open_page(browser, url: str, errors: list[str], **viewport):
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 800})
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#countries [data-country='IR']")
    page.wait_for_selector("#connection:text-is('live')")  # selectors: the page's CSP forbids eval
    return page


def test_the_page_shows_the_seed_article_on_the_map_and_in_the_list(settings, start_worker, browser, tmp_path):
    port = free_port()
    start_worker(NEWSSTREAM_WEB_PORT=str(port))
    errors: list[str] = []
    page = open_page(browser, f"http://127.0.0.1:{port}/", errors)
    paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
    shapes = page.locator("#countries path[data-country]").count()
    assert shapes >= 150
    assert page.get_attribute("#countries [data-country='IR']", "data-count") == "0"
    assert page.locator("#countries [data-country='IR'] title").text_content().startswith("Iran (IR)")

    article = {"id": "seed-1", **text_article(SEED.read_text(encoding="utf-8")), "source": "Alliance News"}
    produced = time.monotonic()
    produce(settings, [(b"seed-1", orjson.dumps(article))])
    page.wait_for_selector("#articles [data-article-id='seed-1']", timeout=90_000)
    listed = time.monotonic() - produced
    page.wait_for_selector("#countries [data-country='IR']:not([data-count='0'])", timeout=10_000)
    assert int(page.get_attribute("#countries [data-country='IR']", "data-count")) >= 1
    page.wait_for_selector(f"#places circle[data-geonameid='{TEHRAN}']", timeout=10_000)
    assert "Tehran" in page.locator(f"#places circle[data-geonameid='{TEHRAN}'] title").text_content()

    page.click("#articles [data-article-id='seed-1'] button")
    page.wait_for_selector("#detail mark")
    marks = page.locator("#detail mark")
    texts = marks.all_inner_texts()
    assert "Vladimir Putin" in texts and "Tehran" in texts
    assert page.get_attribute(f"#detail mark[data-geonameid='{TEHRAN}']", "class") is not None

    page.hover("#countries [data-country='IR']")
    assert page.locator("#hover").inner_text().startswith("Iran (IR): 1 article")
    page.focus("#countries [data-country='FR']")  # by keyboard: a filter that excludes the seed article
    page.keyboard.press("Enter")
    assert page.locator("#filter-text").inner_text() == "Articles mentioning France:"
    assert page.locator("#articles [data-article-id='seed-1']").count() == 0
    page.click("#filter-clear")
    assert page.locator("#articles [data-article-id='seed-1']").count() == 1

    shot = artefacts(tmp_path) / "live-page-1280x800.png"
    page.screenshot(path=str(shot))
    page.set_viewport_size({"width": 390, "height": 844})
    phone = artefacts(tmp_path) / "live-page-390x844.png"
    page.screenshot(path=str(phone), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    print(f"\nfirst contentful paint {paint} ms; {shapes} country shapes; produce -> listed {listed:.1f} s "
          f"(NLP worker); {marks.count()} highlighted mentions; screenshots: {shot} {phone}")
    assert errors == []


def test_article_text_with_markup_renders_as_text(settings, start_worker, browser, tmp_path):
    port = free_port()
    start_worker(NEWSSTREAM_WEB_PORT=str(port), NEWSSTREAM_NLP_ENABLED="false")
    errors: list[str] = []
    page = open_page(browser, f"http://127.0.0.1:{port}/", errors)
    hostile = {"id": "x<script>1", "title": "<script>window.pwned = 1</script>Hostile <b>title</b>",
               "body": "Text <img src=x onerror=\"window.pwned = 2\"> and <script>window.pwned = 3</script> end.",
               "source": "<i>Wire</i>"}
    produce(settings, [(b"hostile", orjson.dumps(hostile))])
    row = page.locator("#articles li").first
    row.wait_for(timeout=60_000)
    assert row.get_attribute("data-article-id") == "x<script>1"
    assert "<script>window.pwned = 1</script>Hostile <b>title</b>" in row.inner_text()
    row.locator("button").click()
    page.wait_for_selector("#detail .text")
    assert "<img src=x onerror=" in page.locator("#detail .text").inner_text()
    injected = "#detail img, #detail script, #detail b, #articles script, #articles b, #articles i"
    assert page.locator(injected).count() == 0
    assert page.evaluate("window.pwned === undefined")
    page.screenshot(path=str(artefacts(tmp_path) / "live-page-markup-as-text.png"))
    assert errors == []


def test_with_processes_the_supervisor_serves_one_page_for_all(settings, tmp_path):
    """--processes 2: the supervisor serves the page (its children none) and counts what both enrich."""
    from streams.processes import spawn_worker
    from streams.status import fetch

    port = free_port()
    supervisor = spawn_worker(settings, processes=2, log=tmp_path / "supervisor.log",
                              env_overrides={"NEWSSTREAM_WEB_PORT": str(port), "NEWSSTREAM_NLP_ENABLED": "false"})
    try:
        supervisor.wait_ready()
        produce(settings, [(f"k{i}".encode(), orjson.dumps({"id": f"p{i}", "title": f"Story {i}", "body": "Text."}))
                           for i in range(40)])
        state: dict = {}
        deadline = time.monotonic() + 60
        done = {"enriched_total": 40, "lag": 0}
        while time.monotonic() < deadline and {k: state.get("figures", {}).get(k) for k in done} != done:
            answer = fetch(f"http://127.0.0.1:{port}/state", timeout=5)
            state = orjson.loads(answer[1]) if answer and answer[0] == 200 else {}
            time.sleep(0.3)
        assert state["figures"]["enriched_total"] == 40 and state["window"]["articles"] == 40
        assert state["figures"]["lag"] == 0  # summed over both children's /metrics
        logged = supervisor.log(chars=10_000_000)
        assert logged.count(f"live page on http://127.0.0.1:{port}/") == 1  # the supervisor's; children serve none
    finally:
        supervisor.stop()
