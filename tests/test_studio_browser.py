"""faqbot studio in a real headless browser (Debian's chromium through its chromedriver), as a recruiter
uses it: type a question, submit, see the reply and the candidates; run a set; watch the knowledge base
page follow a broken save; read the pictures; and every view at a phone's width without sideways
scrolling. The screenshots in the README come from here: set FAQBOT_SCREENSHOTS=docs to write them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.reload import LiveEngine
from bot.studio.core import Studio
from bot.studio.runs import Runs
from bot.studio.web import serve
from tests.conftest import copy_faq
from tests.test_studio import fill_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = (
    "needs a browser: Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; "
    ".ci/run installs them)"
)
if not (CHROMIUM and DRIVER) and os.environ.get("FAQBOT_REQUIRE_BROWSER"):
    raise RuntimeError(MISSING + "; FAQBOT_REQUIRE_BROWSER is set, so this is an error, not a skip")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason=MISSING)
PHONE = (390, 844)


@pytest.fixture
def studio_url(tmp_path: Path, engine: Engine) -> Iterator[tuple[str, Studio]]:
    """The studio on a free port, on a copy of faq.yaml, over the shipped engine's embedder, with a store."""
    faq = copy_faq(tmp_path)
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "mine.tsv").write_text(
        "apply\t지원은 어떻게 해요?\nculture\t분위기 어때요\n!team-hadoop\t하둡 팀 연봉 얼마예요?\n"
        "apply\t퀘벡 지사의 반차 규칙 알려주세요\n-\t비트코인 시세 알려줘\n",
        encoding="utf-8",
    )
    store = tmp_path / "faqbot.sqlite3"
    fill_store(store, time.time())

    def build(kb: KnowledgeBase) -> Engine:
        return Engine.build(kb, engine.matcher.embedder)

    studio = Studio(LiveEngine.load(faq, build), str(store), Runs(tmp_path / "runs.json"), [tmp_path / "bench"])
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    port: list[int] = []
    started = threading.Event()

    def ready(bound: int) -> None:
        port.append(bound)
        started.set()

    thread = threading.Thread(
        target=loop.run_until_complete, args=(serve(studio, "127.0.0.1", 0, "", stop, 0.2, ready),), daemon=True
    )
    thread.start()
    assert started.wait(10), "the studio did not start"
    try:
        yield f"http://127.0.0.1:{port[0]}", studio
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@pytest.fixture
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is a test dependency (pip install -e '.[test]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",  # no calls home on a closed network
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1100,900",
        "--lang=ko-KR",
    ):
        options.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium look for a driver online
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot into the test's folder, and into $FAQBOT_SCREENSHOTS when set (the README's)."""
    path = tmp_path / f"studio-{name}.png"
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 1000
    target = os.environ.get("FAQBOT_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def wait_for(driver, css: str, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def fits_the_width(driver) -> bool:  # type: ignore[no-untyped-def]
    """No sideways scrolling: the page is no wider than the window (wide tables scroll inside their box)."""
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.slow
def test_a_recruiter_uses_every_view(studio_url: tuple[str, Studio], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, studio = studio_url
    driver = browser

    # Try it: type, submit, see the reply as both platforms show it, and the candidates.
    driver.get(url + "/")
    box = wait_for(driver, "textarea#q")
    box.send_keys("하둡 팀은 뭐 해요?")
    box.send_keys("\n그 팀은 몇 명이에요?")
    driver.find_element(By.CSS_SELECTOR, "#ask button[type=submit]").click()
    wait_for(driver, "#turn-2")
    first = driver.find_element(By.ID, "turn-1")
    assert "answered" in first.find_element(By.CSS_SELECTOR, ".action").text
    assert "JG" in first.find_element(By.CSS_SELECTOR, ".telegram").text
    assert "kko.to/VS1FS4x00" in first.find_element(By.CSS_SELECTOR, ".telegram").text
    assert first.find_element(By.CSS_SELECTOR, ".kakao .chips").text  # quick replies
    chosen = first.find_element(By.CSS_SELECTOR, "table.candidates tr.chosen")
    assert "team-hadoop" in chosen.text
    second = driver.find_element(By.ID, "turn-2")
    assert "fell back" in second.find_element(By.CSS_SELECTOR, ".action").text
    assert "the team named before" in second.text
    driver.execute_script("window.scrollTo(0, 0)")
    shoot(driver, tmp_path, "try")

    # Test all: choose a set, run it, read the misses.
    driver.get(url + "/test")
    Select(driver.find_element(By.ID, "set")).select_by_value("bench/mine.tsv")
    driver.find_element(By.CSS_SELECTOR, "form[action='/test'] button").click()
    results = wait_for(driver, "#results")
    assert "퀘벡 지사의 반차 규칙" in results.text  # the miss
    assert "right (answered with an expected id)" in results.text
    shoot(driver, tmp_path, "test")

    # Knowledge base: verified quotes; a broken save shows up on the open page by itself.
    driver.get(url + "/kb")
    assert "✓ verified" in wait_for(driver, "article.entry").text or driver.find_elements(
        By.CSS_SELECTOR, ".badge.good"
    )
    shoot(driver, tmp_path, "kb")
    good = studio.live.path.read_text(encoding="utf-8")
    studio.live.path.write_text(
        good.replace("  - id: apply\n", "  - id: apply\n    answr: typo\n", 1), encoding="utf-8"
    )
    problems = WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "section.problems"))
    assert "answr" in problems[0].text and ":43:5" in problems[0].text
    studio.live.path.write_text(good, encoding="utf-8")

    # What went unanswered: the groups and the pictures, drawn without script.
    driver.get(url + "/unanswered")
    charts = wait_for(driver, "svg.chart")
    assert charts.find_elements(By.CSS_SELECTOR, "rect")
    assert "연봉이 얼마예요?" in driver.find_element(By.ID, "groups").text
    shoot(driver, tmp_path, "unanswered")

    # A phone's width: no view scrolls sideways.
    driver.set_window_size(*PHONE)
    for path in ("/try?q=%EC%A7%80%EC%9B%90+%EB%B0%A9%EB%B2%95", "/test?set=bench/mine.tsv", "/kb", "/unanswered"):
        driver.get(url + path)
        wait_for(driver, "main h1")
        assert fits_the_width(driver), f"{path} scrolls sideways at {PHONE[0]} px"
    driver.get(url + "/try?q=%ED%95%98%EB%91%A1+%ED%8C%80%EC%9D%80+%EB%AD%90+%ED%95%B4%EC%9A%94%3F")
    wait_for(driver, "#turn-1")
    shoot(driver, tmp_path, "phone")
