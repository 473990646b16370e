# SPDX-License-Identifier: Apache-2.0
"""The live dashboard of `stampede run --dashboard`: the report's page served while the run goes,
updated by server-sent events, a page opened late showing the run from its first second, the
read-only API under it, and a run that ends when it ends whoever is watching."""
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import browser
import harness
from harness import check, main, target, write

CAMPAIGN = """
name: live
target: %s
phases:
  - {name: warm, users: 3, duration: 3s}
  - {name: peak, users: 6, duration: 4s}
scenarios:
  - name: browse
    flow:
      - get: {url: /json, name: home}
      - get: {url: "/delay?ms=5", name: slow}
  - name: broken
    weight: 1
    flow: [get: {url: "/status?code=503", name: broken}]
"""


def start_run(workdir, args):
    """`stampede run ARGS --dashboard-address 127.0.0.1:0`, and the dashboard's URL it prints."""
    proc = subprocess.Popen([harness.STAMPEDE, "run"] + args +
                            ["-q", "--dashboard-address", "127.0.0.1:0"],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stderr.readline()
    while line.startswith("stampede: monitor "):  # what --monitor-pid watches comes first
        line = proc.stderr.readline()
    m = re.search(r"dashboard at (http://127\.0\.0\.1:\d+/)", line)
    if not m:
        proc.kill()
        raise AssertionError("no dashboard line: %r %s" % (line, proc.stderr.read()))
    return proc, m.group(1)


def get(url):
    """(status, parsed JSON body) of GET url."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def post(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"),
                                    timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class EventReader(threading.Thread):
    """Reads a server-sent events stream to its end: [(event, id, parsed data)]."""

    def __init__(self, base, path):
        super().__init__(daemon=True)
        self.host, self.port = base.split("//")[1].rstrip("/").split(":")
        self.path = path
        self.events = []
        self.content_type = None

    def run(self):
        c = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        c.request("GET", self.path)
        r = c.getresponse()
        self.content_type = r.getheader("Content-Type")
        event, ident, data = None, None, None
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("id: "):
                ident = line[4:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and event:
                self.events.append((event, ident, json.loads(data)))
                event, ident, data = None, None, None
        c.close()


def test_the_dashboard_follows_the_run_and_ends_with_its_summary(workdir):
    with target(threads=2) as t:
        path = write(workdir, "live.yaml", CAMPAIGN % t.url)
        summary_path = os.path.join(workdir, "summary.json")
        began = time.monotonic()
        proc, base = start_run(workdir, [path, "--db", os.path.join(workdir, "stampede.db"),
                                         "--summary-json", summary_path,
                                         "--monitor-pid", "web=%d" % t.proc.pid])
        # A client that follows the events from the first second, and one that never reads:
        # neither may hold the run up.
        reader = EventReader(base, "/api/runs/1/events")
        reader.start()
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(b"GET /api/runs/1/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port)

        time.sleep(1.5)
        status, runs = get(base + "api/runs")
        check(status == 200 and [r["id"] for r in runs] == [1] and runs[0]["status"] == "running",
              "the API lists the run going on", runs)
        status, so_far = get(base + "api/runs/1")
        check(status == 200 and so_far["status"] == "running" and
              so_far["requests"]["total"] > 0, "and its numbers so far", so_far)
        check(get(base + "api/runs/7")[0] == 404, "another run is not there")
        check(get(base + "api/runs/x")[0] == 400, "a run id is a number")
        check(get(base + "api/runs/1/intervals?after=z")[0] == 400, "after is an index")
        check(get(base + "nothing")[0] == 404, "an unknown page")
        check(post(base + "api/runs/1") == 405, "the local dashboard is read-only")
        rebound = urllib.request.Request(base + "api/runs", headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(rebound, timeout=5)
            check(False, "a page under another name is refused")
        except urllib.error.HTTPError as e:
            check(e.code == 421, "a page under another name (DNS rebinding) is refused", e.code)

        with browser.Browser(height=1100) as b:
            b.open(base)
            first = b.evaluate("Number(document.body.dataset.seconds)")
            check(first >= 1 and b.evaluate("document.title").startswith("stampede live"),
                  "the page opens on the run so far", first)
            deadline = time.monotonic() + 5
            while b.evaluate("Number(document.body.dataset.seconds)") < first + 2 and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            check(b.evaluate("Number(document.body.dataset.seconds)") >= first + 2,
                  "it draws each new second as it comes")
            b.screenshot(os.path.join(browser.output_dir(), "dashboard-live.png"))
            # The system under test, live: its section and charts grow with the seconds.
            sut_points = b.evaluate(
                "(JSON.parse(document.getElementById('run-data').textContent).seconds.sut || "
                "{web: {cpu: []}}).web.cpu.length")
            check(b.evaluate("!!document.querySelector('[data-section=sut]')") and
                  b.evaluate("!!document.querySelector('[data-chart=\"CPU of the system under "
                             "test (% of one core)\"]')"), "the live page's sut section")
            check(sut_points >= 1, "its series", sut_points)

            # Reloaded mid-run: the whole run so far at once, from its first second.
            status, stored = get(base + "api/runs/1/intervals")
            b.open(base)
            embedded = b.evaluate(
                "JSON.parse(document.getElementById('run-data').textContent).seconds")
            check(len(embedded["t"]) >= len(stored) and embedded["t"][0] == stored[0]["t"] and
                  embedded["requests"][:len(stored)] == [s["requests"] for s in stored],
                  "a reloaded page starts at the first second", (embedded["t"], stored))

            # The run ends on time with the page open, and the page shows the summary.
            rc = proc.wait(timeout=30)
            took = time.monotonic() - began
            check(took < 7 + 5 + 3, "the run ended when it ended, pages open or not", took)
            deadline = time.monotonic() + 5
            while not b.evaluate("document.body.dataset.final === '1'") and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            check(b.evaluate("document.body.dataset.final === '1'"), "the page got the summary")
            shown = b.dom()
            shot = b.screenshot(os.path.join(browser.output_dir(), "dashboard-final.png"))
            check(b.errors() == [], "no script errors", b.errors())
            asked = {u.split("/")[2] for u in b.requests()}
            check(asked == {base.split("/")[2]}, "the page asks its dashboard only", asked)
        stalled.close()
        reader.join(timeout=10)
        with open(summary_path) as f:
            s = json.load(f)
        check(rc == 0, "the run passed", (rc, proc.stderr.read()))

        tile = re.search(r'data-tile="requests".*?class="value">([^<]*)<', shown, re.S)
        check(tile and tile.group(1) == "{:,}".format(s["requests"]["total"]),
              "the final page's requests tile is the summary's", tile and tile.group(1))
        check(">slow<" in shown and ">broken<" in shown, "its tables list the steps")
        check(shown.count("<canvas") >= 8, "a canvas per chart", shown.count("<canvas"))
        check(browser.colored_pixels(shot, 300, 560) > 500, "the requests chart is drawn")

        # The events: every second once, in order, from the first, then the summary.
        check(reader.content_type == "text/event-stream", "an event stream", reader.content_type)
        kinds = [e[0] for e in reader.events]
        seconds = [e[2] for e in reader.events if e[0] == "second"]
        check(kinds[-1] == "summary" and reader.events[-1][2] == s, "the summary ends it", kinds)
        check([x["index"] for x in seconds] == list(range(len(seconds))) and
              [e[1] for e in reader.events if e[0] == "second"] ==
              [str(x["index"]) for x in seconds], "each second once, its index as the id",
              [x["index"] for x in seconds])
        check(sum(x["requests"] for x in seconds) == s["requests"]["total"] and
              sum(x["failed"] for x in seconds) == s["requests"]["failed"],
              "the seconds add up to the summary", (seconds, s["requests"]))
        check(seconds[-1]["so_far"]["requests"]["total"] == s["requests"]["total"],
              "the totals so far reach the summary's", seconds[-1]["so_far"])
        check(seconds[0]["phase"] == "warm" and seconds[-1]["phase"] == "peak", "phases", seconds)
        check(all(sum(x["heatmap"]) == x["requests"] for x in seconds), "heatmap rows", seconds)
        check(all(x["sut"]["web"]["pid"] == t.proc.pid for x in seconds) and
              all("cpu" in x["sut"]["web"] for x in seconds), "each second has the target's sample",
              [x.get("sut") for x in seconds][:2])


def test_dashboard_flags_and_the_run_without_a_database(workdir):
    with target() as t:
        r = harness.run(["run", "--url", t.url, "-d", "1s", "--dashboard-address", "nowhere"],
                        workdir, summary=False)
        check(r.returncode == 2 and "--dashboard-address: expected HOST:PORT" in r.stderr,
              "a bad address is a usage error", r)
        r = harness.run(["run", "--url", t.url, "-d", "1s", "--dashboard-address",
                         "127.0.0.1:99999"], workdir, summary=False)
        check(r.returncode == 2 and "port is a number from 0 to 65535" in r.stderr, "port", r)
        taken = t.url.rsplit(":", 1)[1]
        r = harness.run(["run", "--url", t.url, "-d", "1s", "--dashboard-address",
                         "127.0.0.1:" + taken], workdir, summary=False)
        check(r.returncode == 1 and "cannot listen on 127.0.0.1:" + taken in r.stderr and
              "requests" not in r.stdout, "a taken port stops the run before it starts", r)

        # --no-db: the dashboard reads a temporary database, gone at the end.
        proc, base = start_run(workdir, ["--url", t.url + "/json", "-c", "2", "-d", "3s",
                                         "--no-db"])
        time.sleep(1.5)
        status, runs = get(base + "api/runs")
        check(status == 200 and len(runs) == 1 and runs[0]["status"] == "running", "served", runs)
        status, seconds = get(base + "api/runs/%d/intervals" % runs[0]["id"])
        check(status == 200 and len(seconds) >= 1 and seconds[0]["requests"] > 0, "seconds", seconds)
        out, err = proc.communicate(timeout=20)
        check(proc.returncode == 0, "the run passed", (out, err))
        check(not os.path.exists(os.path.join(workdir, "stampede.db")), "nothing stored")


if __name__ == "__main__":
    main([test_the_dashboard_follows_the_run_and_ends_with_its_summary,
          test_dashboard_flags_and_the_run_without_a_database])
