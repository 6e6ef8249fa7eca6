"""The README's first command: ``badbuzz demo`` shows the scripted crisis, its console works in a
real browser, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.layout import ROOT

#: Where the browser test leaves its screenshots (CI keeps this folder as the run's artefacts).
ARTIFACTS = Path(os.environ.get("BADBUZZ_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
#: What headless Chromium needs on a machine with no network beyond loopback, running as root.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--window-size=1280,1800",
)


def children_of(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


class Demo:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(process.stdout), daemon=True).start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not re.search(pattern, self.output):
            assert self.process.poll() is None, self.output
            time.sleep(0.5)
        found = re.search(pattern, self.output)
        assert found, self.output
        return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    tmp_path = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path), "COLUMNS": "100"}
    env = {name: value for name, value in env.items() if not name.startswith(("BADBUZZ_", "SLACK_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "badbuzz.streams.cli", "demo", "--history-minutes", "1500", "--crisis-after", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    running = Demo(process)
    yield running
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def test_the_demo_raises_one_incident_for_the_crisis_and_its_stopwatch_says_what_became_of_it(demo):
    # The worker's terminal shows the incident as a panel headed by its headline.
    demo.wait_for(r"(WARNING|CRITICAL): nuvola [a-z ]+ spiking", timeout=360)
    # The stopwatch reads the incidents and outbound topics in its own consumer: its lines may come after the panel.
    demo.wait_for(r"⏱  nuvola [a-z ]+ · (WARNING|CRITICAL) · opened \d+ s after the crisis began", timeout=60)
    demo.wait_for(r"→ console told of nuvola [a-z ]+ \d+ s after the crisis began", timeout=60)
    output = demo.output
    assert "Unexpected incident" not in output, output
    assert len(children_of(demo.process.pid)) == 2, "the demo runs a broker and a worker"


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no Chromium here: install Debian's chromium and chromium-driver (.ci/run does) to test the console",
)
def test_the_console_it_prints_shows_the_crisis_and_takes_an_acknowledgement_in_a_browser(demo, tmp_path):
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # The page reloads after a click: an element looked up just before is gone, not failed.
    reloading = (NoSuchElementException, StaleElementReferenceException)

    demo.wait_for(r"⏱  nuvola .* opened", timeout=360)
    link = demo.wait_for(r"Incident console: (http://\S+)", timeout=1).group(1)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(link)
        driver.find_element(By.ID, "name").send_keys("Camille")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "Signed in as Camille" in d.page_source)

        def crisis_link(d):
            d.refresh()
            found = d.find_elements(By.XPATH, "//section[@aria-labelledby='open-title']//a[starts-with(., 'nuvola')]")
            return found[0] if found else False

        WebDriverWait(driver, 60, poll_frequency=2, ignored_exceptions=reloading).until(crisis_link).click()
        chart = driver.find_element(By.ID, "incident-chart")
        assert chart.is_displayed() and chart.find_elements(By.TAG_NAME, "polyline"), "the signal's chart"
        assert "nuvola" in driver.find_element(By.TAG_NAME, "h1").text
        state = driver.find_element(By.ID, "incident-state").text
        assert "Acknowledged" not in state, state
        driver.save_screenshot(str(ARTIFACTS / "console-incident.png"))

        driver.find_element(By.XPATH, "//button[normalize-space()='Acknowledge']").click()
        WebDriverWait(driver, 30, poll_frequency=1, ignored_exceptions=reloading).until(
            lambda d: "Acknowledged by @Camille" in d.find_element(By.ID, "incident-state").text
        )
        assert not driver.find_elements(By.XPATH, "//button[normalize-space()='Acknowledge']")
        driver.save_screenshot(str(ARTIFACTS / "console-incident-acknowledged.png"))
        driver.get(link.split("/login")[0])
        driver.save_screenshot(str(ARTIFACTS / "console-overview.png"))
        assert "Acknowledged by @Camille" in driver.page_source
    finally:
        driver.quit()


def test_ctrl_c_stops_the_demo_and_everything_it_started(demo):
    children = children_of(demo.process.pid)
    assert len(children) == 2, "the demo runs a broker and a worker"
    demo.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert demo.process.wait(timeout=60) == 0, demo.output
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "no orphan processes"
