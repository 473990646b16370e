# SPDX-License-Identifier: Apache-2.0
"""abort_on_fail thresholds: a 60 s run that fails its gate stops within 2 s of the failure,
writes its summary and database as any stopped run does, and exits 99, locally and on agents."""
import json
import os
import subprocess
import time

import harness
from control_harness import Controller, agents_table, cli, start_agent, wait_for
from harness import check, main, run, target, write

CAMPAIGN = """name: %(name)s
target: %(url)s
threads: 1
phases:
  - name: long
    duration: 60s
    users: 4
scenarios:
  - name: mixed
    flow:
      - get: /status?code=500
      - get: /
thresholds:
  - http.latency.p95 < 5s
  - %(gate)s
"""

RUN_WIDE = '{threshold: "http.error_rate < 1%%", abort_on_fail: true%(delay)s}'


def campaign(workdir, url, name="gated", gate=RUN_WIDE % {"delay": ""}):
    return write(workdir, name + ".yaml", CAMPAIGN % {"name": name, "url": url, "gate": gate})


def check_aborted(s, rc, out, gate, by_s):
    """The summary of a run `gate` aborted: within 2 s of its first check at `by_s`."""
    check(rc == 99, "an aborted run exits 99", (rc, out))
    check(s["status"] == "aborted", "status aborted", s["status"])
    check(s["duration_s"] < by_s + 2, "stopped within 2 s of the failure", s["duration_s"])
    th = {t["expression"]: t for t in s["thresholds"]}
    check(not th[gate]["ok"] and th[gate]["actual"] > 0.3, "the gate is shown failed", th)
    check(th["http.latency.p95 < 5s"]["ok"], "the other thresholds are checked as usual", th)
    check(any("the run was aborted by threshold '%s'" % gate in e for e in s["events"]),
          "an event says which threshold aborted the run", s["events"])
    check(s["requests"]["total"] > 0, "what ran is counted", s["requests"])


def test_a_failing_gate_stops_a_60s_run_with_99(workdir):
    with target() as t:
        path = campaign(workdir, t.url)
        began = time.monotonic()
        r = run(["run", path], workdir)
        elapsed = time.monotonic() - began
        check_aborted(r.summary, r.returncode, r, "http.error_rate < 1%", 1.0)
        check(elapsed < 5, "the process ends with the run, not with the plan", elapsed)
        check("threshold 'http.error_rate < 1%' failed" in r.stderr and "aborting" in r.stderr,
              "the failure is said when it happens", r)
        check("the run was aborted by threshold" in r.stdout, "the printed summary says so", r)
        # Each user's request in flight when the run aborted is cut off and not counted.
        cut = t.stats()["requests"] - r.summary["requests"]["total"]
        check(0 <= cut <= 4, "at most one request per user cut off uncounted", cut)
        db = os.path.join(workdir, "stampede.db")
        r = run(["runs", "--db", db], workdir, summary=False)
        check(r.returncode == 0 and "aborted" in r.stdout and " 99" in r.stdout,
              "the database has the run with its exit code", r)
        r = run(["show", "1", "--db", db, "--json"], workdir, summary=False)
        stored = json.loads(r.stdout)
        check(stored["status"] == "aborted" and not stored["thresholds"][1]["ok"],
              "and its summary", stored)


def test_the_delay_holds_the_check_back(workdir):
    with target() as t:
        path = campaign(workdir, t.url, gate=RUN_WIDE % {"delay": ", delay: 3s"})
        r = run(["run", path, "-q"], workdir)
        check_aborted(r.summary, r.returncode, r, "http.error_rate < 1%", 3.0)
        check(r.summary["duration_s"] >= 3, "not checked before 3 s", r.summary["duration_s"])


def test_a_scoped_gate_that_holds_lets_the_run_finish(workdir):
    with target() as t:
        gate = ('{threshold: \'http.error_rate{step="GET /"} < 1%\', abort_on_fail: true}')
        text = (CAMPAIGN % {"name": "held", "url": t.url, "gate": gate}).replace("60s", "3s")
        r = run(["run", write(workdir, "held.yaml", text), "-q"], workdir)
        check(r.returncode == 0 and r.summary["status"] == "completed", "a held gate", r)
        check(r.summary["duration_s"] >= 3 and not r.summary["events"], "the run went on",
              r.summary)


def test_a_failing_gate_stops_a_distributed_run_on_every_agent(workdir):
    with target(threads=2) as t:
        c = Controller(os.path.join(workdir, "ctl"))
        agents = []
        try:
            for name in ("a1", "a2"):
                agents.append(start_agent(c, name, "--spool", os.path.join(workdir, name)))
            check(wait_for(lambda: list(agents_table(workdir, c).values()) == ["healthy"] * 2),
                  "both agents register")
            r = cli(workdir, ["campaign", "add", campaign(workdir, t.url)] + c.flags())
            check(r.returncode == 0, "campaign add", r)
            summary = os.path.join(workdir, "gated.json")
            began = time.monotonic()
            proc = subprocess.run(
                [harness.STAMPEDE, "start", "gated", "--wait", "--summary-json", summary] +
                c.flags(), cwd=workdir, capture_output=True, text=True, timeout=60)
            elapsed = time.monotonic() - began
            with open(summary) as f:
                s = json.load(f)
            check_aborted(s, proc.returncode, proc, "http.error_rate < 1%", 1.0)
            # 1.5 s for the assignment to reach the agents, then the first second, then the stop.
            check(elapsed < 8, "the CLI returns with the run, not with the plan", elapsed)
            stats = t.stats()
            time.sleep(1.5)
            check(t.stats()["requests"] == stats["requests"], "no agent goes on loading the "
                  "target", (stats, t.stats()))
        finally:
            for p in agents:
                p.terminate()
            for p in agents:
                try:
                    p.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
            c.stop()


if __name__ == "__main__":
    main([test_a_failing_gate_stops_a_60s_run_with_99, test_the_delay_holds_the_check_back,
          test_a_scoped_gate_that_holds_lets_the_run_finish,
          test_a_failing_gate_stops_a_distributed_run_on_every_agent])
