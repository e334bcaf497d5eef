"""Open a report in headless Chromium and say what a reader would hit: console errors,
uncaught exceptions, images that did not load, requests that left the page.

Talks the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4,
NUL-separated JSON), so it needs no websocket library and no open port. Also takes a
screenshot. ``python -m autograder.report.browser OUT/report.html [--screenshot PNG]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

# Runs in the page after it loaded: what it shows and what did not load.
_INSPECT = """JSON.stringify({
  images: document.images.length,
  broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
               .map(i => i.alt || i.src.slice(0, 80)),
  sections: Array.from(document.querySelectorAll('section[id]')).map(s => s.id),
  rows: document.querySelectorAll('#students tbody tr').length,
  scripts: document.scripts.length,
  title: document.title,
  height: document.documentElement.scrollHeight,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  boxes: Object.fromEntries(Array.from(document.querySelectorAll('section[id]')).map(s => {
    const r = s.getBoundingClientRect();
    return [s.id, [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]];
  }))
})"""


def find_chromium() -> str | None:
    """A Chromium or Chrome executable ($CHROMIUM first), or None."""
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return shutil.which(wanted) or (wanted if Path(wanted).is_file() else None)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageCheck:
    """What loading the page showed."""

    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)   # URLs other than the page and data:
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.console_errors or self.broken_images or self.requests)


class _Pipe:
    """The DevTools protocol over Chromium's debugging pipe."""

    def __init__(self, exe: str, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: the pipe ends become fds 3 and 4
            high_r, high_w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update",
                "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=fds, close_fds=False)
        # close_fds=False: fds 3 and 4 (made inheritable by dup2) must survive; every other fd
        # Python opened is non-inheritable and closes on exec anyway
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        if any(ev.get("method") == method for ev in self.events):
            return
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the debugging pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def close(self) -> None:
        try:
            os.write(self._to_chrome, json.dumps({"id": 0, "method": "Browser.close"}).encode()
                     + b"\0")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


def check_page(page: Path, screenshot: Path | None = None, *, width: int = 1280,
               height: int | None = None, exe: str | None = None,
               timeout: float = 60.0, sections: dict[str, Path] | None = None,
               section_height: int = 1200) -> PageCheck:
    """Load ``page`` in headless Chromium; collect errors and how far the page is wider than
    the window (``info["overflow"]``, pixels); optionally save a PNG of its first ``height``
    pixels (the whole page when None), and of each section named in ``sections`` (its first
    ``section_height`` pixels)."""
    exe = exe or find_chromium()
    if exe is None:
        raise FileNotFoundError("no Chromium found (apt-get install chromium, or set CHROMIUM)")
    url = page.resolve().as_uri()
    result = PageCheck()
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        pipe = _Pipe(exe, profile)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"},
                               timeout=timeout)["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                timeout=timeout)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                pipe.send(f"{domain}.enable", session=session, timeout=timeout)
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                      session=session)
            pipe.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
            pipe.wait_for("Page.loadEventFired", timeout)
            info = pipe.send("Runtime.evaluate", {"expression": _INSPECT, "returnByValue": True},
                             session=session, timeout=timeout)
            result.info = json.loads(info["result"]["value"])
            result.broken_images = result.info.pop("broken")
            boxes = result.info.pop("boxes")
            if screenshot is not None or sections:
                shot_height = min(height or result.info["height"], 16000)
                pipe.send("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": shot_height, "deviceScaleFactor": 1,
                           "mobile": False}, session=session)
            if screenshot is not None:
                shot = pipe.send("Page.captureScreenshot",
                                 {"format": "png", "captureBeyondViewport": True,
                                  "clip": {"x": 0, "y": 0, "width": width,
                                           "height": shot_height, "scale": 1}},
                                 session=session, timeout=timeout)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            for section, target_path in (sections or {}).items():
                left, top, box_width, box_height = boxes[section]
                shot = pipe.send("Page.captureScreenshot",
                                 {"format": "png", "captureBeyondViewport": True,
                                  "clip": {"x": left, "y": top, "width": box_width,
                                           "height": min(box_height, section_height),
                                           "scale": 1}},
                                 session=session, timeout=timeout)
                target_path.parent.mkdir(parents=True, exist_ok=True)
                target_path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            pipe.close()
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            result.console_errors.append(f"exception: {details.get('text', '')} "
                                         f"{details.get('exception', {}).get('description', '')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", "")))
                            for a in params.get("args", []))
            result.console_errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            result.console_errors.append(f"{entry.get('source')}: {entry.get('text')} "
                                         f"{entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            request_url = params.get("request", {}).get("url", "")
            if request_url != url and not request_url.startswith("data:"):
                result.requests.append(request_url[:200])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.report.browser",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=None,
                        help="pixels of the page in the screenshot (default: all of it)")
    parser.add_argument("--section", nargs=2, action="append", default=[],
                        metavar=("ID", "PNG"),
                        help="also save the section with this id (look, similarity, "
                             "incidents, students, ...) as a PNG; repeatable")
    args = parser.parse_args(argv)
    found = check_page(args.page, args.screenshot, width=args.width, height=args.height,
                       sections={i: Path(p) for i, p in args.section})
    print(json.dumps({"ok": found.ok, "console_errors": found.console_errors,
                      "broken_images": found.broken_images, "requests": found.requests,
                      **found.info}, indent=1))
    return 0 if found.ok else 1


if __name__ == "__main__":
    sys.exit(main())
