# SPDX-License-Identifier: Apache-2.0
"""The HTML report: written by `stampede report` and by `run --report` whatever ends the run
(Ctrl-C too), self-contained (no request leaves the page), its embedded data equal to the
summary and the stored seconds, and drawn in a real browser (headless Chromium)."""
import html
import json
import os
import re
import signal
import subprocess
import time

import browser
import harness
from harness import check, main, run, target, write

CAMPAIGN = """
name: shop
target: %s
phases:
  - {name: warm, users: 4, duration: 2s}
  - {name: peak, users: 8, ramp: 1s, duration: 2s}
scenarios:
  - name: browse
    weight: 3
    flow:
      - get: {url: /json, name: home, checks: [{status: 200}]}
      - get: {url: "/delay?ms=5", name: slow page}
  - name: broken
    flow: [get: {url: "/status?code=503", name: broken}]
thresholds:
  - http.latency.p95 < 1s
  - http.error_rate < 1%%
"""


def embedded_data(page):
    m = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', page, re.S)
    check(m is not None, "the run's data is in the page")
    return json.loads(m.group(1))


def test_a_report_is_self_contained_exact_and_drawn(workdir):
    with target(threads=2) as t:
        path = write(workdir, "c.yaml", CAMPAIGN % t.url)
        report = os.path.join(workdir, "r.html")
        r = run(["run", path, "-q", "--report", report], workdir)
        check(r.returncode == 99, "the error-rate threshold fails", r)
        check("report written to " + report in r.stdout, "says where the report is", r)
        with open(report) as f:
            page = f.read()
        # Nothing is fetched: no script, style, image or font from elsewhere.
        check(not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page), "no external resource")
        data = embedded_data(page)
        s = r.summary
        check(data["summary"] == s, "the summary is the --summary-json one")
        check(sum(data["seconds"]["requests"]) == s["requests"]["total"],
              "the seconds add up to the total", (data["seconds"]["requests"], s["requests"]))
        check(sum(data["seconds"]["failed"]) == s["requests"]["failed"], "failed too", data)
        check(len(data["seconds"]["latency_ms"]["p99"]) == len(data["seconds"]["t"]),
              "one latency point per second", data["seconds"])

        # `stampede report` writes the same page from the database.
        r2 = run(["report", "1", "--db", os.path.join(workdir, "stampede.db")], workdir)
        check(r2.returncode == 0 and "written to stampede-report-1.html" in r2.stdout, "report", r2)
        with open(os.path.join(workdir, "stampede-report-1.html")) as f:
            check(embedded_data(f.read()) == data, "the same data")

        # In a browser: the script ran, the numbers shown are the summary's, the charts are
        # drawn, and the page asked nothing of the network.
        url = "file://" + report
        with browser.Browser(height=1000) as b:
            b.open(url)
            shown = b.dom()
            shot = b.screenshot(os.path.join(browser.output_dir(), "report.png"))
            asked = [u for u in b.requests() if u != url]
            check(asked == [], "the page made no request but for itself: %s" % asked)
            check(b.errors() == [], "no script errors", b.errors())
        tile = re.search(r'data-tile="requests".*?class="value">([^<]*)<', shown, re.S)
        check(tile and tile.group(1) == "{:,}".format(s["requests"]["total"]),
              "the requests tile shows the total", tile and tile.group(1))
        check(shown.count("<canvas") >= 8, "a canvas per chart", shown.count("<canvas"))
        for name in ("Requests per second", "Latency heatmap", "Latency by percentile"):
            check('data-chart="%s"' % name in shown, "a chart: " + name)
        # Each second knows its phase (for the marks on the charts), the heatmap counts every
        # request of a second, and the spectrum ends at the run's maximum.
        phases = data["seconds"]["phase"]
        check(phases[0] == "warm" and phases[-1] == "peak", "phases per second", phases)
        heat = data["heatmap"]["counts"]
        check(all(sum(row) == n for row, n in zip(heat, data["seconds"]["requests"])),
              "the heatmap holds each second's requests", (heat, data["seconds"]["requests"]))
        check(abs(data["spectrum"]["run"]["ms"][-1] - s["latency_ms"]["max"]) < 0.01,
              "the spectrum ends at the max", data["spectrum"]["run"])
        check([c["name"] for c in data["spectrum"]["scenarios"]] == ["browse", "broken"],
              "a spectrum per scenario", data["spectrum"]["scenarios"])
        check("✗ http.error_rate &lt; 1%" in shown and "✓ http.latency.p95 &lt; 1s" in shown,
              "thresholds as badges")
        for name in ("home", "slow page", "broken", "browse: home: status == 200"):
            check(">" + html.escape(name) + "<" in shown, "the tables list " + name)
        # The first chart (requests/s) sits between 300 and 560 px: its lines are coloured.
        check(browser.colored_pixels(shot, 300, 560) > 500, "the requests chart is drawn")

        # --compare: a second run drawn over the first, its numbers beside them.
        r3 = run(["run", path, "-q"], workdir)
        check(r3.returncode == 99, "a second run", r3)
        db = os.path.join(workdir, "stampede.db")
        both = os.path.join(workdir, "both.html")
        r4 = run(["report", "2", "--compare", "1", "-o", both, "--db", db], workdir)
        check(r4.returncode == 0 and "compared with run 1" in r4.stdout, "report --compare", r4)
        with open(both) as f:
            data2 = embedded_data(f.read())
        check(data2["compare"]["run"]["id"] == 1 and data2["compare"]["summary"] == s and
              "campaign" not in data2["compare"], "the other run's data", data2.get("compare"))
        with browser.Browser(height=1000) as b:
            b.open("file://" + both)
            shown = b.dom()
            b.screenshot(os.path.join(browser.output_dir(), "report-compare.png"))
            check(b.errors() == [], "no script errors", b.errors())
        check('data-compare="requests">run 1: {:,}<'.format(s["requests"]["total"]) in shown,
              "the other run's total beside this one's")
        check(">Δ p95<" in shown and ">p95 run 1<" in shown, "the steps table compares")
        scenarios = re.search(r'data-table="Scenarios".*?</table>', shown, re.S).group(0)
        check(">Δ p95<" in scenarios and ">Δ rps<" in scenarios, "and so does the scenarios one")
        check("(run 1)" in shown, "the charts' legends name the other run")
        r5 = run(["report", "2", "--compare", "9", "--db", db], workdir)
        check(r5.returncode == 1 and "no run 9 in" in r5.stderr, "an unknown run to compare", r5)


def test_an_open_model_run_draws_its_schedule_lag_and_arrivals(workdir):
    with target() as t:
        report = os.path.join(workdir, "rate.html")
        # 500 arrivals a second on two connections that can take 200: most start late.
        r = run(["run", "--url", t.url + "/delay?ms=10", "--rate", "500", "-c", "2", "-d", "2s",
                 "-q", "--report", report], workdir)
        check(r.returncode == 0, "a constant-throughput run", r)
        with open(report) as f:
            data = embedded_data(f.read())
        sec = data["seconds"]
        check(any(v is not None for v in sec["schedule_lag_ms"].get("p99", [])),
              "its schedule lag, per second", sec.get("schedule_lag_ms"))
        check(sum(sec["counts"]["iterations_started"]) >= r.summary["requests"]["total"],
              "its arrivals, per second", sec["counts"])
        with browser.Browser(height=1000) as b:
            b.open("file://" + report)
            shown = b.dom()
            check(b.errors() == [], "no script errors", b.errors())
        for name in ("Schedule lag (how late arrivals started)", "Iterations per second",
                     "Dropped and late arrivals per second"):
            check('data-chart="%s"' % name in shown, "a chart: " + name)
        check('data-chart="WebSocket per second"' not in shown, "none for what the run has not")


def test_two_thousand_step_names_stay_within_budget(workdir):
    steps = 2000
    with target(threads=2) as t:
        flow = "".join('      - get: {url: /json, name: "step %04d"}\n' % i for i in range(steps))
        path = write(workdir, "many.yaml", """
target: %s
phases: [{name: all, users: 2, iterations: 3}]
scenarios:
  - name: many
    flow:
%s""" % (t.url, flow))
        report = os.path.join(workdir, "many.html")
        started = time.monotonic()
        r = run(["run", path, "-q", "-t", "2", "--report", report], workdir, timeout=300)
        took = time.monotonic() - started
        check(r.returncode == 0 and r.summary["requests"]["total"] == 2 * 3 * steps,
              "every step of every iteration", (r.returncode, r.stderr[-2000:]))
        check(len(r.summary["steps"]) == steps, "each step in the summary")
        size = os.path.getsize(report)
        check(size < 3 * 1024 * 1024, "the report stays within 3 MB", size)
        with open(report) as f:
            data = embedded_data(f.read())
        drawn = data["steps"]
        check(len(drawn["names"]) == 50 and drawn["others"] == steps - 50 and
              sum(drawn["other"]) + sum(sum(v) for v in drawn["requests"]) ==
              r.summary["requests"]["total"], "the 50 busiest steps drawn, the rest as other",
              {k: v for k, v in drawn.items() if k != "requests"})
        with browser.Browser(height=1000) as b:
            b.open("file://" + report, timeout=60)
            shown = b.dom()
            check(b.errors() == [], "no script errors", b.errors())
        check('data-chart="Requests per second by step (the 50 busiest)"' in shown,
              "the steps chart")
        check(shown.count("<tr>") >= steps, "the steps table lists all of them")
        print("      2000 steps: %.1f s, report %d bytes" % (took, size))


def test_a_report_is_written_after_ctrl_c_and_without_a_database(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases: [{name: long, users: 2, duration: 60s}]
scenarios:
  - name: s
    flow: [get: /json, think: 10ms]
""" % t.url)
        report = os.path.join(workdir, "cut.html")
        proc = subprocess.Popen([harness.STAMPEDE, "run", path, "-q", "--no-db", "--report",
                                 report], cwd=workdir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(2.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        check(proc.returncode == 105, "interrupted: exit 105", (out, err))
        with open(report) as f:
            data = embedded_data(f.read())
        check(data["run"]["status"] == "interrupted" and len(data["seconds"]["t"]) >= 2,
              "the report has the seconds run before Ctrl-C", data["run"])
        check(not os.path.exists(os.path.join(workdir, "stampede.db")), "--no-db stores nothing")
        r = run(["report", "1", "--db", os.path.join(workdir, "none.db")], workdir)
        check(r.returncode == 1 and "none.db does not exist" in r.stderr, "a missing database", r)


if __name__ == "__main__":
    main([test_a_report_is_self_contained_exact_and_drawn,
          test_an_open_model_run_draws_its_schedule_lag_and_arrivals,
          test_two_thousand_step_names_stay_within_budget,
          test_a_report_is_written_after_ctrl_c_and_without_a_database])
