# SPDX-License-Identifier: Apache-2.0
"""Headless Chromium driven by its DevTools protocol, for the page tests: open a page, wait for
its script, read its DOM, take a screenshot, and list every request the page made."""
import base64
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib

import ws_client

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, width=1280, height=1000, trust=None):
        """`trust`: a CA certificate (PEM file) the browser trusts, as a user would add it to
        Chromium's certificate store (NSS, in $HOME/.pki/nssdb)."""
        self.profile = tempfile.mkdtemp(prefix="stampede-chromium-")
        env = None
        if trust:
            nssdb = os.path.join(self.profile, ".pki", "nssdb")
            os.makedirs(nssdb)
            for args in (["-N", "--empty-password"],
                         ["-A", "-t", "C,,", "-n", "stampede controller CA", "-i", trust]):
                subprocess.run(["certutil", "-d", "sql:" + nssdb] + args, check=True,
                               capture_output=True)
            env = dict(os.environ, HOME=self.profile)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", "--user-data-dir=" + self.profile,
             "--remote-debugging-port=0", "--window-size=%d,%d" % (width, height), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError("chromium exited before it listened")
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
        if port is None:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        pages = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port))
        page = [p for p in pages if p["type"] == "page"][0]
        path = "/" + page["webSocketDebuggerUrl"].split("/", 3)[3]
        self.ws = ws_client.WebSocket(port, path, timeout=30)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  width=width, height=height, deviceScaleFactor=1, mobile=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def _message(self):
        """The next whole message (continuation frames joined)."""
        data = b""
        while True:
            b0, b1 = self.ws._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self.ws._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.ws._read(8))[0]
            payload = self.ws._read(n)
            opcode = b0 & 0x0F
            if opcode == ws_client.PING:
                self.ws.send_frame(ws_client.PONG, payload)
                continue
            if opcode == ws_client.CLOSE:
                raise ws_client.Closed("DevTools closed the page")
            data += payload
            if b0 & 0x80:
                return json.loads(data)

    def call(self, method, **params):
        self.next_id += 1
        me = self.next_id
        self.ws.send_text(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            m = self._message()
            if m.get("id") == me:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def open(self, url, ready="document.body && document.body.dataset.ready === '1'",
             timeout=20):
        """Navigates to `url` and waits until the expression `ready` is true."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(ready):
                return
            time.sleep(0.1)
        raise AssertionError("the page was not ready within %ds; its errors: %s"
                             % (timeout, self.errors()))

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise AssertionError("page script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def dom(self):
        return self.evaluate("document.documentElement.outerHTML")

    def requests(self):
        """The URLs the page asked for since it was opened."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def errors(self):
        """Exceptions and console errors of the page since it was opened."""
        out = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                details = e["params"]["exceptionDetails"]
                out.append(details.get("exception", {}).get("description") or
                           details.get("text", "exception"))
            elif e.get("method") == "Runtime.consoleAPICalled" and \
                    e["params"].get("type") == "error":
                out.append(str(e["params"].get("args")))
        return out

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


def png_pixels(path):
    """(width, height, channels, rows) of a non-interlaced 8-bit RGB(A) PNG, as Chromium writes."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8, "8-bit PNG"
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def colored_pixels(path, top, bottom):
    """Pixels between rows top and bottom that are clearly coloured (not white, black or
    grey): what the charts' lines draw."""
    width, height, channels, rows = png_pixels(path)
    count = 0
    for y in range(top, min(bottom, height)):
        row = rows[y]
        for x in range(0, width * channels, channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if max(r, g, b) - min(r, g, b) > 60:
                count += 1
    return count


def output_dir():
    """Where screenshots are kept as test output."""
    path = os.environ.get("STAMPEDE_TEST_OUTPUT") or os.path.join(os.getcwd(), "test-output")
    os.makedirs(path, exist_ok=True)
    return path
