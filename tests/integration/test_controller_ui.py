# SPDX-License-Identifier: Apache-2.0
"""The controller's web UI and JSON API (`stampede controller --http`): nothing without the
token (401, the refusal logged), a bearer or a signed-in browser (HttpOnly, SameSite=Strict
cookie; POSTs with its CSRF token) that lists agents and campaigns, starts a run on the agents,
follows it live and stops it; the intervals add up to the summary."""
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import browser
import harness
from control_harness import Controller, agents_table, cli, start_agent, wait_for
from harness import check, main, target, write

CAMPAIGN = """name: shop
target: %s
phases:
  - {name: steady, users: 4, duration: 60s}
scenarios:
  - name: browse
    flow:
      - get: {url: /json, name: home}
      - get: {url: "/delay?ms=20", name: slow}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, path, token=None, method="GET", body=None, headers=None):
    """(status, parsed JSON or text) of one API call."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Fleet:
    def __init__(self, workdir, agents):
        self.http = "127.0.0.1:%d" % free_port()
        self.c = Controller(os.path.join(workdir, "ctl"), "127.0.0.1:0", "--http", self.http)
        self.base = "http://%s" % self.http
        with open(os.path.join(self.c.data, "token")) as f:
            self.token = f.read().strip()
        self.agents = [start_agent(self.c, "a%d" % i) for i in range(1, agents + 1)]
        check(wait_for(lambda: list(agents_table(workdir, self.c).values()) ==
                       ["healthy"] * agents), "every agent registers")

    def close(self):
        for p in self.agents:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.agents:
            try:
                p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
        return self.c.stop()


def wait_run(base, token, run_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, runs = call(base, "/api/runs", token)
        mine = [r for r in runs if r["id"] == run_id]
        if mine and mine[0]["status"] != "running":
            return mine[0]
        time.sleep(0.2)
    raise AssertionError("run %d did not end" % run_id)


@contextlib.contextmanager
def shop(workdir):
    """A target, a controller with two agents, and the campaign `shop` stored in it."""
    with target(threads=2) as t:
        fleet = Fleet(workdir, 2)
        try:
            r = cli(workdir, ["campaign", "add", write(workdir, "shop.yaml", CAMPAIGN % t.url)] +
                    fleet.c.flags())
            check(r.returncode == 0, "a campaign stored", r)
            yield t, fleet
        finally:
            rc, log = fleet.close()
        check(rc == 0, "the controller stops cleanly", log)


def test_the_api_needs_the_token_and_starts_and_stops_runs(workdir):
    with shop(workdir) as (t, fleet):
        base, token = fleet.base, fleet.token

        status, body = call(base, "/api/runs")
        check(status == 401 and "token" in body["error"], "no token: 401", (status, body))
        status, body = call(base, "/api/agents", "f" * 64)
        check(status == 401, "a wrong token: 401", (status, body))
        check(wait_for(lambda: "refused HTTP GET /api/agents from 127.0.0.1:" in
                       fleet.c.log() and "wrong token" in fleet.c.log()),
              "the wrong token is logged", fleet.c.log())
        status, page = call(base, "/runs")
        check(status == 401 and 'name="token"' in page, "a page without it: the sign-in form")

        status, agents = call(base, "/api/agents", token)
        check(status == 200 and sorted(a["name"] for a in agents) == ["a1", "a2"] and
              all(a["healthy"] and a["cores"] > 0 and a["assignment"] == "" for a in agents),
              "the agents, healthy and idle", agents)
        status, campaigns = call(base, "/api/campaigns", token)
        check(status == 200 and [c["name"] for c in campaigns] == ["shop"] and
              "delay?ms=20" in campaigns[0]["text"], "the campaigns with their text", campaigns)

        status, body = call(base, "/api/campaigns/nope/start", token, "POST", {})
        check(status == 404, "an unknown campaign", (status, body))
        status, body = call(base, "/api/campaigns/shop/start", token, "POST", {"agents": 5})
        check(status == 409, "more agents than there are", (status, body))
        status, run = call(base, "/api/campaigns/shop/start", token, "POST", {"agents": 2})
        check(status == 201 and run["status"] == "running" and
              sorted(a["name"] for a in run["agents"]) == ["a1", "a2"], "started", run)
        run_id = run["id"]
        time.sleep(3)
        status, so_far = call(base, "/api/runs/%d" % run_id, token)
        check(status == 200 and so_far["status"] == "running" and
              so_far["requests"]["total"] > 0, "its numbers so far", so_far)
        status, stopped = call(base, "/api/runs/%d/stop" % run_id, token, "POST")
        check(status == 200 and stopped["id"] == run_id, "stopped", (status, stopped))
        ended = wait_run(base, token, run_id)
        check(ended["status"] == "interrupted" and ended["exit_code"] == 105, "interrupted",
              ended)
        status, summary = call(base, "/api/runs/%d" % run_id, token)
        status, seconds = call(base, "/api/runs/%d/intervals" % run_id, token)
        check(status == 200 and sum(s["requests"] for s in seconds) ==
              summary["requests"]["total"] > 0, "the intervals add up to the summary",
              (seconds, summary["requests"]))
        check(summary["requests"]["total"] == t.stats()["requests"], "as the target saw")
        status, body = call(base, "/api/runs/%d/stop" % run_id, token, "POST")
        check(status == 409 and "already ended" in body["error"], "stop once", body)


def signed_in(b, base, token):
    """Signs the browser in through the form; it lands on the runs."""
    b.open(base + "/runs", ready="document.getElementById('token') !== null")
    b.evaluate("document.getElementById('token').value = %s; document.forms[0].submit(); 1"
               % json.dumps(token))
    check(wait_for(lambda: safe(b, "location.pathname === '/runs' && "
                                   "document.body.dataset.ready === '1'")), "signed in")


def safe(b, expression):
    try:
        return b.evaluate(expression)
    except (AssertionError, RuntimeError):
        return None  # between two pages


def test_a_browser_signs_in_starts_a_run_watches_it_and_stops_it(workdir):
    with shop(workdir) as (t, fleet):
        base, token = fleet.base, fleet.token
        with browser.Browser(height=1000) as b:
            b.open(base + "/runs", ready="document.getElementById('token') !== null")
            b.evaluate("document.getElementById('token').value = 'wrong'; "
                       "document.forms[0].submit(); 1")
            check(wait_for(lambda: safe(b, "document.getElementById('why') && "
                                           "document.getElementById('why').textContent")),
                  "a wrong token: the form again, saying so")
            signed_in(b, base, token)
            cookies = b.call("Network.getCookies", urls=[base])["cookies"]
            check(len(cookies) == 1 and cookies[0]["httpOnly"] and
                  cookies[0]["sameSite"] == "Strict", "an HttpOnly, SameSite=Strict cookie",
                  cookies)
            # The session's POSTs need its CSRF token: without it, refused.
            forged = b.call("Runtime.evaluate", awaitPromise=True, returnByValue=True,
                            expression="fetch('/api/campaigns/shop/start', {method: 'POST'})"
                                       ".then((r) => r.status)")["result"]["value"]
            check(forged == 403, "a POST without the CSRF token is refused", forged)

            b.open(base + "/agents")
            shown = b.dom()
            check('data-agent="a1"' in shown and 'data-agent="a2"' in shown and
                  ">healthy<" in shown, "the agents page")
            b.screenshot(os.path.join(browser.output_dir(), "controller-agents.png"))

            b.open(base + "/campaigns")
            b.evaluate("document.querySelector('tr[data-campaign=shop] input').value = 2; "
                       "document.querySelector('[data-start=shop]').click(); 1")
            check(wait_for(lambda: safe(b, "location.pathname.startsWith('/runs/') && "
                                           "document.body.dataset.ready === '1'")),
                  "starting goes to the run's page", safe(b, "location.href"))
            run_id = int(b.evaluate("location.pathname.split('/')[2]"))
            check(b.evaluate("document.querySelector('[data-live]') !== null"), "live")
            check(wait_for(lambda: (safe(b, "Number(document.body.dataset.seconds)") or 0)
                           >= 3, timeout=15), "the live page draws the run's seconds")
            check(safe(b, "document.querySelector('[data-chart=\"Requests per second by "
                          "agent\"]') !== null"), "the live page has the per-agent panel")
            b.screenshot(os.path.join(browser.output_dir(), "controller-live-run.png"))
            b.evaluate("document.querySelector('[data-stop]').click(); 1")
            check(wait_for(lambda: safe(b, "document.body.dataset.final === '1'"),
                           timeout=20), "stopped from the page: the summary arrives")
            shown = b.dom()
            b.screenshot(os.path.join(browser.output_dir(), "controller-stopped-run.png"))
            check(b.errors() == [], "no script errors", b.errors())
            status, summary = call(base, "/api/runs/%d" % run_id, token)
            tile = '<div class="value">{:,}</div>'.format(summary["requests"]["total"])
            check(tile in shown, "the page shows the summary's total", summary["requests"])

            b.open(base + "/runs")
            shown = b.dom()
            check('data-run="%d"' % run_id in shown and ">interrupted<" in shown,
                  "the runs page lists it, interrupted")
            b.screenshot(os.path.join(browser.output_dir(), "controller-runs.png"))
            b.open(base + "/runs/%d" % run_id)
            check(b.evaluate("document.querySelector('[data-download]') !== null"),
                  "a finished run's page offers its report")
        req = urllib.request.Request(base + "/runs/%d/report.html" % run_id,
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10) as r:
            check("attachment" in r.headers["Content-Disposition"] and
                  b'id="run-data"' in r.read(), "the report downloads")


def test_start_wait_writes_the_report_and_report_reads_the_controller(workdir):
    with shop(workdir) as (t, fleet):
        quick = CAMPAIGN.replace("name: shop", "name: quick").replace("60s", "3s")
        r = cli(workdir, ["campaign", "add", write(workdir, "quick.yaml", quick % t.url)] +
                fleet.c.flags())
        check(r.returncode == 0, "a short campaign", r)
        r = cli(workdir, ["start", "quick", "--report", "x.html"] + fleet.c.flags())
        check(r.returncode == 2 and "--report goes with --wait" in r.stderr, "no --wait", r)
        report = os.path.join(workdir, "run.html")
        summary = os.path.join(workdir, "run.json")
        r = cli(workdir, ["start", "quick", "--wait", "--report", report, "--summary-json",
                          summary] + fleet.c.flags())
        check(r.returncode == 0 and "report written to " + report in r.stdout, "start --wait", r)
        run_id = int(r.stdout.splitlines()[0])
        with open(summary) as f:
            s = json.load(f)
        with open(report) as f:
            data = embedded_data(f.read())
        check(data["summary"] == s and data["run"]["id"] == run_id and
              data["run"]["status"] == "completed", "the report's summary is the run's", data["run"])
        check(sum(data["seconds"]["requests"]) == s["requests"]["total"] == t.stats()["requests"],
              "its seconds, merged across the agents, add up to what the target saw")
        agents = data["seconds"]["agents"]
        check(sorted(agents) == ["a1", "a2"] and
              all(sum(a["requests"][i] or 0 for a in agents.values()) == n
                  for i, n in enumerate(data["seconds"]["requests"])),
              "each second's requests are split by agent", agents)
        check(len(data["spectrum"]["scenarios"]) == 1 and "name: quick" in data["campaign"],
              "with its scenarios' spectrum and its campaign")
        again = os.path.join(workdir, "again.html")
        r = cli(workdir, ["report", str(run_id), "-o", again] + fleet.c.flags())
        check(r.returncode == 0 and "written to " + again in r.stdout, "report --controller", r)
        with open(again) as f:
            check(embedded_data(f.read()) == data, "the same report from the controller")
        r = cli(workdir, ["report", "99"] + fleet.c.flags())
        check(r.returncode == 1 and "no run 99" in r.stderr, "an unknown run", r)


def embedded_data(page):
    m = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', page, re.S)
    check(m is not None, "the run's data is in the page")
    return json.loads(m.group(1))


def test_over_tls_a_browser_that_trusts_the_ca_signs_in(workdir):
    data = os.path.join(workdir, "ctl")
    Controller(data).stop()  # the data directory: its CA and the controller's certificate
    port = free_port()
    c = Controller(data, "127.0.0.1:0", "--http", "127.0.0.1:%d" % port,
                   "--http-cert", os.path.join(data, "server.pem"),
                   "--http-key", os.path.join(data, "server-key.pem"))
    try:
        base = "https://127.0.0.1:%d" % port
        ca = os.path.join(data, "ca.pem")
        with open(os.path.join(data, "token")) as f:
            token = f.read().strip()
        verified = ssl.create_default_context(cafile=ca)
        req = urllib.request.Request(base + "/api/agents",
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10, context=verified) as r:
            check(r.status == 200 and json.loads(r.read()) == [] and
                  "max-age" in r.headers["Strict-Transport-Security"], "verified against ca.pem")
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/api/agents" % port, timeout=5).read()
            check(False, "plain HTTP is not served")
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError):
            pass
        with browser.Browser() as b:
            answer = b.call("Page.navigate", url=base + "/runs")
            check("CERT" in answer.get("errorText", ""), "a browser without ca.pem refuses it",
                  answer)
        with browser.Browser(trust=ca) as b:
            signed_in(b, base, token)
            cookies = b.call("Network.getCookies", urls=[base])["cookies"]
            check(len(cookies) == 1 and cookies[0]["secure"] and cookies[0]["httpOnly"],
                  "a Secure cookie over TLS", cookies)
            b.screenshot(os.path.join(browser.output_dir(), "controller-tls-runs.png"))
            check(b.errors() == [], "no script errors", b.errors())
    finally:
        c.stop()


def test_bad_web_ui_flags_are_refused_by_name(workdir):
    data = os.path.join(workdir, "ctl")
    for extra, says in ((["--http", "nowhere"], "--http: expected HOST:PORT, got 'nowhere'"),
                        (["--http", "127.0.0.1:0", "--http-cert", os.path.join(workdir, "c.pem")],
                         "--http-cert and --http-key go together"),
                        (["--http", "127.0.0.1:0", "--http-cert", os.path.join(workdir, "none.pem"),
                          "--http-key", os.path.join(workdir, "none.pem")], "none.pem")):
        r = subprocess.run([harness.STAMPEDE, "controller", "--listen", "127.0.0.1:0", "--data",
                            data] + extra, capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and says in r.stderr, "refused: " + says, r)


if __name__ == "__main__":
    main([test_the_api_needs_the_token_and_starts_and_stops_runs,
          test_a_browser_signs_in_starts_a_run_watches_it_and_stops_it,
          test_start_wait_writes_the_report_and_report_reads_the_controller,
          test_over_tls_a_browser_that_trusts_the_ca_signs_in,
          test_bad_web_ui_flags_are_refused_by_name])
