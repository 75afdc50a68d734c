"""Open the HTML report in headless Chromium and check it as a browser sees it.

Talks the Chrome DevTools protocol over ``--remote-debugging-pipe`` with the
standard library only: every network request the page makes is recorded, as
are script exceptions and console/CSP errors; a screenshot is taken.  The
report must load with no request other than its own file and inline data, no
errors, every figure decoded, and user text shown as text.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import spasm_analysis as sa  # noqa: E402
from spasm_analysis.report import build_report  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]
NOTE = "<script>alert(1)</script> felt it on the stairs"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it for this test",
)


class DevTools:
    """Minimal CDP client over the pipe Chromium opens on fds 3 (in) and 4 (out)."""

    def __init__(self, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1300,2000",
                 "--hide-scrollbars", "about:blank"]
        self.process = subprocess.Popen([CHROMIUM, *flags], preexec_fn=wire, pass_fds=(3, 4),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None, timeout=60.0):
        self._next_id += 1
        request = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self._to_browser, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, timeout=60.0):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == method:
                return message


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = sa.read_log(ROOT / "data" / "sample" / "personal")
        episodes = log.episodes
        episodes.loc[episodes.index[-1], "notes"] = NOTE
        log = log.replace(episodes=episodes)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(build_report(log, progress=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded_page(report_file, tmp_path_factory):
    browser = DevTools(tmp_path_factory.mktemp("chromium-profile"))
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1300, "height": 2000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": report_file.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")

        def evaluate(expression):
            result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            return result["result"].get("value")

        facts = {
            "sections": evaluate("document.querySelectorAll('section').length"),
            "images": evaluate("document.images.length"),
            "decoded": evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 300)"),
            "note_shown": evaluate(f"document.body.innerText.includes({json.dumps(NOTE)})"),
            "scripts": evaluate("document.scripts.length"),
            "title": evaluate("document.title"),
        }
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False},
                            session=session)
        png = base64.b64decode(shot["data"])
        (report_file.parent / "screenshot.png").write_bytes(png)
        time.sleep(0.5)  # let late events (console, failed requests) arrive
        browser.send("Runtime.evaluate", {"expression": "1"}, session=session)
        return facts, png, list(browser.events)
    finally:
        browser.close()


def test_page_loads_without_network_requests_or_errors(loaded_page, report_file):
    facts, png, events = loaded_page
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert report_file.as_uri() in requests  # the network log works: it saw the page itself
    foreign = [u for u in requests if not (u.startswith("data:") or u == report_file.as_uri())]
    assert foreign == [], f"the report fetched {foreign}"
    failed = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]
    assert failed == []
    exceptions = [e["params"] for e in events if e.get("method") == "Runtime.exceptionThrown"]
    assert exceptions == []
    errors = [e["params"]["entry"] for e in events
              if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    assert errors == []
    console = [e["params"] for e in events
               if e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")]
    assert console == []
    dialogs = [e for e in events if e.get("method") == "Page.javascriptDialogOpening"]
    assert dialogs == []  # alert(1) in a note never ran


def test_page_content_as_rendered(loaded_page):
    facts, png, _ = loaded_page
    assert facts["sections"] == 10  # red flags and when to get care come first
    # timeline, calendar, change points, cumulative episodes, did-it-help forest, durations
    assert facts["images"] == 6 and facts["decoded"] is True
    assert facts["note_shown"] is True and facts["scripts"] == 0
    assert facts["title"] == "Your episode log"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert (width, height) == (1300, 2000)
    assert len(png) > 50_000  # a rendered page with figures, not a blank one


def test_pdf_is_printed(tmp_path):
    from spasm_analysis.report import write_report

    out = write_report(ROOT / "data" / "sample" / "cohort", tmp_path / "cohort.html", by="arm", pdf=True,
                       progress=False)
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 100_000  # the figures are in it
