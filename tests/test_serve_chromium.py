"""`carbon serve`'s pages in a real browser: headless Chromium loads `/` and `/teams/{team}` from
a running server, at 1280 and 390 pixels wide; the figures are on the page and nothing overflows
sideways. Screenshots go under pytest's base temporary directory (a CI artefact, never committed).

The page has no script (its CSP forbids one), so the test measures it over the DevTools protocol:
a tiny WebSocket client below, standard library only.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from carbon.api import Carbon  # noqa: E402

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed: apt-get install -y chromium"
)

FACTORS = """\
activity,region,year,value,unit,category,scope,source,uncertainty_pct
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table,10
"""
LONG = "Customer Success and Partnerships Europe"  # a long name must wrap, not widen the page
# September and October 2026: Platform 100 and 110 kWh, LONG 2500 and 2600 kWh (1 kg per kWh).
# October: company 110 + 2600 = 2710 kg; Platform to date 100 + 110 = 210 kg of a 1200 kg budget.
ACTIVITIES = (
    "date,team,activity,quantity,unit\n"
    "2026-09,Platform,test.power,100,kWh\n2026-10,Platform,test.power,110,kWh\n"
    f"2026-09,{LONG},test.power,2500,kWh\n2026-10,{LONG},test.power,2600,kWh\n"
)


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, masked from the client."""

    def __init__(self, url: str):
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        header = bytes([0x81]) + (
            bytes([0x80 | n])
            if n < 126
            else bytes([0x80 | 126]) + n.to_bytes(2, "big")
            if n < 65536
            else bytes([0x80 | 127]) + n.to_bytes(8, "big")
        )
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self) -> str:
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            message += self._read(n)
            if b0 & 0x80:
                return message.decode()

    def call(self, method: str, **params):
        self.next_id += 1
        self.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self.recv())
            if answer.get("id") == self.next_id:
                assert "error" not in answer, answer
                return answer["result"]


@pytest.fixture
def server(run, write, db_url):
    assert run("teams", "add", "Platform", LONG).exit_code == 0
    assert run("factors", "import", write("f.csv", FACTORS)).exit_code == 0
    assert run("import", "activities", write("a.csv", ACTIVITIES)).exit_code == 0
    r = run(
        "budget",
        "load",
        write("b.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Platform]\nbudget = 1200\n'),
    )
    assert r.exit_code == 0, r.output
    carbon = Carbon.open(db_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(carbon.web_app(local=True), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:  # a start-up wait, not a measurement
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)
    carbon.close()


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    active = profile / "DevToolsActivePort"
    for _ in range(1200):
        if active.exists() and active.read_text().strip():
            break
        time.sleep(0.05)
    port = active.read_text().split()[0]
    pages = json.loads(
        urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30).read()
    )
    ws = WebSocket(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"])
    yield ws
    ws.sock.close()
    proc.terminate()
    proc.wait(timeout=30)


def load(ws: WebSocket, url: str, width: int) -> dict:
    ws.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=width < 600,
    )
    ws.call("Page.enable")
    ws.call("Page.navigate", url=url)
    for _ in range(600):
        state = ws.call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
        if state["result"].get("value") == "complete":
            break
        time.sleep(0.05)
    found = ws.call(
        "Runtime.evaluate",
        returnByValue=True,
        expression=(
            "JSON.stringify({scroll: document.documentElement.scrollWidth, "
            "client: document.documentElement.clientWidth, text: document.body.innerText, "
            "svgs: document.querySelectorAll('svg').length})"
        ),
    )
    return json.loads(found["result"]["value"])


def shoot(ws: WebSocket, folder: Path, name: str) -> None:
    shot = ws.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(base64.b64decode(shot["data"]))


def test_home_and_team_pages_in_chromium_at_desktop_and_phone_width(
    server, browser, tmp_path_factory
):
    shots = tmp_path_factory.getbasetemp() / "serve-screenshots"
    for width in (1280, 390):
        home = load(browser, f"{server}/?month=2026-10", width)
        assert home["scroll"] <= home["client"] == width, (width, home["scroll"])
        assert "2,710.0" in home["text"]  # company: 110 + 2600 kg
        assert LONG in home["text"] and "2,600.0" in home["text"] and "110.0" in home["text"]
        assert home["svgs"] >= 1  # the trend chart
        shoot(browser, shots, f"home-{width}.png")
        team = load(
            browser, f"{server}/teams/{quote(LONG, safe='')}?month=2026-10&entries=1", width
        )
        assert team["scroll"] <= team["client"] == width, (width, team["scroll"])
        assert (
            "2,600.0" in team["text"]
            and "2600.000 kWh" in team["text"]
            and "test table" in team["text"]
        )
        shoot(browser, shots, f"team-{width}.png")
        platform = load(browser, f"{server}/teams/Platform?month=2026-10", width)
        assert platform["scroll"] <= platform["client"] == width, (width, platform["scroll"])
        assert "210.00 kg CO2e" in platform["text"]  # actual to date: 100 + 110
        # counted from September, flat: allocated 1200 x 2/12 = 200, budget covered 1200 x 4/12 = 400,
        # forecast 210 / (200 / 400) = 420 kg
        assert "200.00 kg CO2e" in platform["text"] and "400.00 kg CO2e" in platform["text"]
        assert "420.00" in platform["text"]
        shoot(browser, shots, f"platform-{width}.png")
    assert len(list(shots.glob("*.png"))) == 6
