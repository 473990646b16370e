# SPDX-License-Identifier: Apache-2.0
"""Runs on agents: a campaign split exactly over three agent processes, merged exactly by the
controller, an agent killed mid-run under each on_agent_loss policy, run parameters given at
start (and never stored), stop, attach and the run listings."""
import contextlib
import json
import os
import pty
import re
import select
import signal
import socket
import sqlite3
import subprocess
import time

import browser
import harness
from control_harness import Controller, agents_table, cli, start_agent, wait_for
from harness import check, main, write

CAMPAIGN = """name: %(name)s
target: %(url)s
threads: 1
on_agent_loss: %(policy)s
phases:
  - name: steady
    duration: %(duration)s
    users: 6
scenarios:
  - name: paced
    flow:
      - get: /delay?ms=10
thresholds:
  - http.latency.p95 < %(p95)s
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fleet(workdir, agents=3, *controller_flags, env=None):
    """A controller with `agents` healthy agents named a1, a2, ... on a fixed port (so a test
    can restart the controller where the agents look for it)."""
    c = Controller(os.path.join(workdir, "ctl"), "127.0.0.1:%d" % free_port(),
                   *controller_flags, env=env)
    procs = {}
    try:
        for i in range(1, agents + 1):
            procs["a%d" % i] = start_agent(c, "a%d" % i, "--spool",
                                           os.path.join(workdir, "spool-a%d" % i))
        check(wait_for(lambda: list(agents_table(workdir, c).values()) == ["healthy"] * agents),
              "every agent registers")
        yield c, procs
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
        c.stop()


def add_campaign(workdir, c, t, name, policy="rebalance", duration="4s", p95="500ms"):
    path = write(workdir, name + ".yaml", CAMPAIGN % {
        "name": name, "url": t.url, "policy": policy, "duration": duration, "p95": p95})
    r = cli(workdir, ["campaign", "add", path] + c.flags())
    check(r.returncode == 0, "campaign add", r)


def start(workdir, c, name, *extra):
    summary = os.path.join(workdir, name + ".json")
    proc = subprocess.Popen([harness.STAMPEDE, "start", name, "--summary-json", summary]
                            + list(extra) + c.flags(), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, summary


def finish(proc, summary, timeout=60):
    out, err = proc.communicate(timeout=timeout)
    data = None
    if os.path.exists(summary):
        with open(summary) as f:
            data = json.load(f)
    return proc.returncode, out, err, data


def test_a_run_split_over_three_agents_counts_exactly(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        add_campaign(workdir, c, t, "steady")
        t.reset()
        proc, summary = start(workdir, c, "steady", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and s is not None, "start --wait", (rc, out, err))
        run_id = out.splitlines()[0].strip()
        stats = t.stats()
        check(s["requests"]["total"] > 500, "the run made requests", s)
        check(s["requests"]["total"] == stats["requests"],
              "merged total %d == target's %d" % (s["requests"]["total"], stats["requests"]))
        check(s["requests"]["failed"] == 0 and s["status"] == "completed" and not s["degraded"],
              "a clean run", s)
        # 6 users over 3 agents: 2 each, every one on its own kept-alive connection (the
        # target also counts the connection asking it for /stats).
        check(stats["connections_accepted"] - 1 == 6, "6 connections", stats)
        check(s["connections"]["opened"] == 6 and s["users"]["peak"] == 6, "6 users", s)
        check("stampede: steady completed" in out and "run %s stored on the controller" % run_id
              in out, "the summary is printed", out)

        r = cli(workdir, ["status", run_id] + c.flags())
        for i, name in enumerate(["a1", "a2", "a3"]):
            check("agent      %s finished workers %d-%d" % (name, i, i) in r.stdout,
                  "status shows %s's share" % name, r)
        r = cli(workdir, ["runs"] + c.flags())
        check(r.returncode == 0 and "completed" in r.stdout and "steady" in r.stdout, "runs", r)
        r = cli(workdir, ["show", run_id, "--json"] + c.flags())
        check(r.returncode == 0 and json.loads(r.stdout)["requests"] == s["requests"],
              "show --json gives the stored summary", r)
        r = cli(workdir, ["attach", run_id] + c.flags())
        check(r.returncode == 0 and "stampede: steady completed" in r.stdout,
              "attach to a finished run prints its summary", r)

        # The same split with a threshold that fails: exit 99, as a local run.
        add_campaign(workdir, c, t, "strict", p95="1ms", duration="2s")
        proc, summary = start(workdir, c, "strict", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 99 and not s["thresholds"][0]["ok"], "a failed threshold exits 99",
              (rc, out, err))


def test_iteration_counts_split_over_three_agents(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        path = write(workdir, "counted.yaml", """
name: counted
target: %s
phases:
  - {name: warm, duration: 1s, users: 3}
  - {name: exact, users: 6, iterations: 17}
scenarios:
  - name: s
    flow: [get: /json]
""" % t.url)
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 0, "campaign add", r)
        proc, summary = start(workdir, c, "counted", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and s is not None, "start --wait", (rc, out, err))
        warm = s["requests"]["total"] - 6 * 17
        check(warm > 10 and s["requests"]["total"] == t.stats()["requests"],
              "6 users x 17 iterations after the timed warm-up, counted exactly", (s, t.stats()))


def test_a_killed_agent_is_detected_and_the_run_goes_on(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        add_campaign(workdir, c, t, "cont", policy="continue", duration="8s")
        t.reset()
        proc, summary = start(workdir, c, "cont", "--wait")
        time.sleep(4.0)
        killed_at = time.monotonic()
        agents["a2"].kill()  # SIGKILL: no goodbye
        run_id = None

        def lost():
            r = cli(workdir, ["status"] + c.flags())
            return "a2 (lost" in r.stdout
        check(wait_for(lost, timeout=5), "a2 is seen lost")
        check(time.monotonic() - killed_at < 3.5, "within 3 s of the kill")
        rc, out, err, s = finish(proc, summary)
        run_id = out.splitlines()[0].strip()
        stats = t.stats()
        check(rc == 0 and s["status"] == "completed" and s["degraded"], "degraded, completed",
              (rc, out, err))
        check(any("agent a2 lost" in e and "goes on without its share" in e for e in s["events"]),
              "the event names the agent", s["events"])
        # What a2 sent after its last acknowledged second is a gap: the target saw more, by at
        # most a2's two users for the seconds around the kill (10 ms requests: 100/s each).
        gap = stats["requests"] - s["requests"]["total"]
        check(0 <= gap <= 2 * 100 * 3, "the gap is a2's unreported tail: %d" % gap, (s, stats))
        check(s["requests"]["total"] > 2 * 100 * 7, "the survivors ran the whole run", s)
        r = cli(workdir, ["status", run_id] + c.flags())
        check("completed (degraded)" in r.stdout and "agent      a2 lost" in r.stdout,
              "status shows the loss", r)
        agents = per_agent_panel(workdir, c, run_id, "killed-agent")
        lost = agents["a2"]["requests"]
        first_gap = lost.index(None)
        check(first_gap >= 1 and all(v is None for v in lost[first_gap:]) and
              "ended" not in agents["a2"], "a2's seconds from its kill on are a gap: %s" % lost)
        for name in ("a1", "a3"):
            check(None not in agents[name]["requests"][:agents[name]["ended"] + 1],
                  "%s reported every second until its load ended" % name, agents[name])


def per_agent_panel(workdir, c, run_id, name):
    """The report of a controller's run: its per-agent seconds add up to each merged second,
    and the page draws them, the gaps counted in the legend. Returns seconds.agents."""
    path = os.path.join(workdir, name + ".html")
    r = cli(workdir, ["report", run_id, "-o", path] + c.flags())
    check(r.returncode == 0, "report --controller", r)
    with open(path) as f:
        m = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', f.read(),
                      re.S)
    seconds = json.loads(m.group(1))["seconds"]
    agents = seconds["agents"]
    check(sorted(agents) == ["a1", "a2", "a3"], "every agent has its series", sorted(agents))
    for i, total in enumerate(seconds["requests"]):
        shares = [a["requests"][i] for a in agents.values() if a["requests"][i] is not None]
        check(sum(shares) == total, "second %d: the agents' %s add up to %d" % (i, shares, total))
    unreported = sum(1 for v in agents["a2"]["requests"] if v is None)
    with browser.Browser(height=1000) as b:
        b.open("file://" + path)
        gaps = json.loads(b.evaluate(
            "document.querySelector('[data-chart=\"Requests per second by agent\"]')"
            ".dataset.gaps"))
        shown = b.dom()
        b.evaluate("document.querySelector('[data-chart=\"Requests per second by agent\"]')"
                   ".scrollIntoView(); 1")
        b.screenshot(os.path.join(browser.output_dir(), name + "-agents.png"))
        check(b.errors() == [], "no script errors", b.errors())
    check(gaps == {"a1": 0, "a2": unreported, "a3": 0} and unreported > 0,
          "the lost agent's unreported seconds are its gaps: %s" % gaps)
    check("a2 (%d s unreported)" % unreported in shown, "the legend counts them")
    return agents


def users_per_second(workdir, run_id):
    """The controller's stored intervals: active users of each second of the run."""
    db = sqlite3.connect(os.path.join(workdir, "ctl", "stampede.db"))
    try:
        rows = db.execute("SELECT idx, metrics_json FROM intervals WHERE run_id = ? ORDER BY idx",
                          (int(run_id),)).fetchall()
    finally:
        db.close()
    return [json.loads(m)["active_users"] for _, m in rows]


def test_survivors_take_over_a_killed_agents_share(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        add_campaign(workdir, c, t, "rebal", duration="10s")  # default policy: rebalance
        t.reset()
        proc, summary = start(workdir, c, "rebal", "--wait")
        time.sleep(4.0)
        agents["a2"].kill()
        rc, out, err, s = finish(proc, summary)
        run_id = out.splitlines()[0].strip()
        stats = t.stats()
        check(rc == 0 and s["status"] == "completed" and s["degraded"], "degraded, completed",
              (rc, out, err))
        event = [e for e in s["events"] if "agent a2 lost" in e]
        check(len(event) == 1 and "takes over worker 1" in event[0] and "rebalance" in event[0],
              "the event names who took over", s["events"])
        r = cli(workdir, ["status", run_id] + c.flags())
        check("agent      a2 lost workers 1-1" in r.stdout and
              ("agent      a1 finished workers 1-1" in r.stdout or
               "agent      a3 finished workers 1-1" in r.stdout), "status shows the takeover", r)
        users = users_per_second(workdir, run_id)
        # All six users before the kill, four for the seconds of the gap, six again once the
        # takeover runs (within 5 s of the kill), to the end of the plan.
        check(users[1] == 6 and 4 in users, "users per second: %s" % users)
        back = [i for i in range(3, len(users)) if users[i] == 6]
        check(back and back[0] <= users.index(4) + 5 and users[9] == 6,
              "the survivors took the share back within 5 s: %s" % users)
        gap = stats["requests"] - s["requests"]["total"]
        check(0 <= gap <= 2 * 100 * 3, "only a2's unreported tail is missing: %d" % gap,
              (s, stats))
        # The takeover's seconds are its new owner's: a2's stay a gap to the end.
        agents = per_agent_panel(workdir, c, run_id, "takeover")
        check(agents["a2"]["requests"][-1] is None, "a2 never came back", agents["a2"])


def test_a_paused_agent_stops_its_load_when_it_resumes(workdir):
    with harness.target(threads=2) as t, fleet(workdir, 3, "--lease", "4s") as (c, agents):
        add_campaign(workdir, c, t, "pause", duration="14s")
        t.reset()
        proc, summary = start(workdir, c, "pause", "--wait")
        time.sleep(3.0)
        agents["a3"].send_signal(signal.SIGSTOP)
        time.sleep(6.0)  # past the 3 s of silence that mark it lost, and past its 4 s lease
        agents["a3"].send_signal(signal.SIGCONT)
        rc, out, err, s = finish(proc, summary)
        run_id = out.splitlines()[0].strip()
        stats = t.stats()
        check(s["degraded"] and any("agent a3 lost (no heartbeat" in e for e in s["events"]),
              "a3 is lost for its silence", s["events"])
        users = users_per_second(workdir, run_id)
        check(max(users) == 6, "never more than the campaign's users at once: %s" % users)
        # Whatever a3 sent after its resumption is either merged once or dropped as late, and
        # the target never saw more than the run counted plus a3's unreported seconds.
        gap = stats["requests"] - s["requests"]["total"]
        check(0 <= gap <= 2 * 100 * 6, "gap %d" % gap, (s, stats))
        agents["a3"].send_signal(signal.SIGTERM)
        _, a3_err = agents["a3"].communicate(timeout=20)
        check("(the lease); stopping run %s" % run_id in a3_err,
              "a3 stopped its load by itself when it woke past its lease", a3_err)


def test_a_controller_restart_mid_run_loses_nothing(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        add_campaign(workdir, c, t, "restart", duration="10s")
        t.reset()
        proc, summary = start(workdir, c, "restart", "--wait")
        time.sleep(4.0)
        c.kill()
        time.sleep(3.0)  # the agents go on, spooling their reports
        c2 = Controller(c.data, c.address)
        try:
            rc, out, err, s = finish(proc, summary)
            run_id = out.splitlines()[0].strip()
            stats = t.stats()
            check(rc == 0 and s["status"] == "completed" and not s["degraded"],
                  "start --wait rides out the restart", (rc, out, err))
            check("lost the controller" in err, "the watcher says it lost the controller", err)
            check(s["requests"]["total"] == stats["requests"],
                  "every request counted once: %d == target's %d" % (s["requests"]["total"],
                                                                     stats["requests"]))
            db = sqlite3.connect(os.path.join(c.data, "stampede.db"))
            try:
                rows = db.execute("SELECT idx, metrics_json FROM intervals WHERE run_id = ? "
                                  "ORDER BY idx", (int(run_id),)).fetchall()
                left = db.execute("SELECT COUNT(*) FROM agent_reports").fetchone()[0]
            finally:
                db.close()
            idx = [i for i, _ in rows]
            check(idx == list(range(len(idx))) and len(idx) >= 10,
                  "every second stored exactly once: %s" % idx)
            # The seconds merged again from the kept reports still know each one's agent.
            for i, m in rows:
                m = json.loads(m)
                shares = {k: a["requests"] for k, a in m.get("agents", {}).items()}
                check(sum(shares.values()) == m.get("requests", 0) and
                      (i == idx[-1] or sorted(shares) == ["a1", "a2", "a3"]),
                      "second %d split by agent: %s" % (i, shares), m.get("requests"))
            check(left == 0, "the kept reports are dropped once the run ends")
        finally:
            c2.stop()
    for name in ("a1", "a2", "a3"):
        spool = os.path.join(workdir, "spool-" + name)
        check(os.listdir(spool) == [], "%s's spool is empty once acknowledged" % name,
              os.listdir(spool))


def test_a_step_of_the_controllers_wall_clock_loses_no_agent(workdir):
    """The controller's wall clock jumps 10 s ahead mid-run (tests/support/clock_shift.cpp; the
    steady clock is left alone): heartbeats and deadlines are judged on the steady clock, so
    no agent is lost and the run completes exactly."""
    clock = write(workdir, "controller-clock", "0\n")
    env = {"LD_PRELOAD": os.environ["STAMPEDE_CLOCK_SHIFT_LIB"],
           "STAMPEDE_CLOCK_SHIFT_FILE": clock}
    with harness.target(threads=2) as t, fleet(workdir, 2, env=env) as (c, _):
        add_campaign(workdir, c, t, "stepped", duration="7s")
        t.reset()
        proc, summary = start(workdir, c, "stepped", "--wait")
        time.sleep(3.0)
        write(workdir, "controller-clock", "+10\n")
        rc, out, err, s = finish(proc, summary)
        stats = t.stats()
        check(rc == 0 and s["status"] == "completed" and not s["degraded"],
              "the run completes with every agent", (rc, out, err, c.log()))
        check(not any("lost" in e for e in s["events"]), "no agent was lost", s["events"])
        check(s["requests"]["total"] == stats["requests"], "exact counts",
              (s["requests"], stats["requests"]))
        check(s["duration_s"] < 12, "the run's length is steady time, not the jump", s)


def test_agents_stop_by_themselves_when_the_lease_runs_out(workdir):
    with harness.target(threads=2) as t, fleet(workdir, 3, "--lease", "3s") as (c, agents):
        add_campaign(workdir, c, t, "leased", duration="60s")
        r = cli(workdir, ["start", "leased"] + c.flags())
        check(r.returncode == 0, "start", r)
        time.sleep(3.0)
        c.kill()
        killed = time.monotonic()
        # The lease (3 s) plus a second for the agents to notice and the grace of requests in
        # flight; after that nothing reaches the target.
        time.sleep(6.0)
        before = t.stats()["requests"]
        time.sleep(2.0)
        after = t.stats()["requests"]
        check(before == after, "no load after the lease: %d then %d requests" % (before, after))
        check(before > 0 and time.monotonic() - killed < 60, "the agents ran until then")
        for name in ("a1", "a2", "a3"):
            agents[name].send_signal(signal.SIGTERM)
            out, err = agents[name].communicate(timeout=20)
            check("(the lease); stopping run" in err, "%s says why it stopped" % name, err)


FEEDER = """name: feeder
target: %s
threads: 1
data:
  file: paths.csv
phases:
  - name: steady
    duration: 2s
    users: 3
scenarios:
  - name: s
    flow:
      - get: "/{{path|raw}}"
"""


def test_csv_rows_travel_with_the_campaign_and_are_partitioned(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        write(workdir, "paths.csv", "path\necho\njson\nbytes?n=10\n")
        path = write(workdir, "feeder.yaml", FEEDER % t.url)
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 0 and "3 data rows" in r.stdout, "the rows go with it", r)
        t.reset()
        proc, summary = start(workdir, c, "feeder", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0, "the run", (rc, out, err))
        by_path = t.stats()["requests_by_path"]
        by_path.pop("/stats", None)
        # One user per agent, each on its own row: every path loaded, none twice over.
        check(sorted(by_path) == ["/bytes", "/echo", "/json"], "each agent took its own row",
              by_path)
        check(sum(by_path.values()) == s["requests"]["total"], "exact counts", (by_path, s))


def test_a_controller_restart_keeps_the_runs_csv_data(workdir):
    """The CSV rows are kept with the run itself: a restarted controller rebuilds its plan from
    them (even with the stored campaign gone) and the run goes on, counting exactly."""
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        write(workdir, "paths.csv", "path\necho\njson\nbytes?n=10\n")
        path = write(workdir, "feeder.yaml",
                     FEEDER.replace("duration: 2s", "duration: 8s") % t.url)
        # Stored under another name than the file's: runs are listed under the stored name.
        r = cli(workdir, ["campaign", "add", path, "--name", "csvrun"] + c.flags())
        check(r.returncode == 0, "campaign add", r)
        t.reset()
        proc, summary = start(workdir, c, "csvrun", "--wait")
        time.sleep(3.0)
        r = cli(workdir, ["campaign", "rm", "csvrun"] + c.flags())
        check(r.returncode == 0, "the stored campaign may go while its run goes on", r)
        c.kill()
        time.sleep(2.0)
        c2 = Controller(c.data, c.address)
        try:
            rc, out, err, s = finish(proc, summary)
            check(rc == 0 and s is not None and s["status"] == "completed",
                  "the run goes on after the restart", (rc, out, err))
            check("cannot go on" not in c2.log(), "no restore failure",
                  c2.log())
            stats = t.stats()
            by_path = stats["requests_by_path"]
            by_path.pop("/stats", None)
            check(sorted(by_path) == ["/bytes", "/echo", "/json"], "the rows still drive it",
                  by_path)
            check(s["requests"]["total"] == stats["requests"],
                  "stored total %d == target's %d" % (s["requests"]["total"], stats["requests"]))
            r = cli(workdir, ["runs"] + c2.flags())
            check("csvrun" in r.stdout and "feeder" not in r.stdout,
                  "runs lists the stored name", r)
        finally:
            c2.stop()


PARAMETERS = """name: params
target: "{{env.BASE}}"
threads: 1
phases:
  - name: steady
    duration: %s
    users: 4
scenarios:
  - name: s
    flow:
      - post:
          url: /echo
          headers: {Authorization: "Bearer {{env.TOKEN}}"}
          body: "token={{env.TOKEN}}"
          checks: [{body_contains: "token={{env.TOKEN}}"}]
      - get: /delay?ms=10
"""


def start_with(workdir, c, name, args, env=None):
    """`stampede start NAME ARGS --wait`, in `env` (default: this process's environment)."""
    summary = os.path.join(workdir, name + ".json")
    if os.path.exists(summary):
        os.remove(summary)
    proc = subprocess.Popen([harness.STAMPEDE, "start", name, "--wait", "--summary-json", summary]
                            + args + c.flags(), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    return proc, summary


def without(*names):
    """This process's environment without `names`: what the agents must not fill either."""
    return {k: v for k, v in os.environ.items() if k not in names}


def secrets_left(c, *secrets):
    """The files of the controller's data directory (its database with its journal) and its
    log that hold any of `secrets`."""
    found = []
    paths = [c.log_path] + [os.path.join(c.data, n) for n in os.listdir(c.data)]
    for path in paths:
        if os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            found += [(path, x) for x in secrets if x.encode() in data]
    return found


def checks_passed(s, users=4):
    """Every iteration's check passed: one per two requests (the checked POST, then a GET), but
    for the iterations the run's end cut between the two (one per user at most)."""
    if s is None or s["checks_total"]["failed"] != 0:
        return False
    passed = s["checks_total"]["passed"]
    return passed > 0 and 0 <= 2 * passed - s["requests"]["total"] <= users


def test_run_parameters_travel_with_start_and_are_never_stored(workdir):
    secret = "s3cr3t-%d" % os.getpid()
    from_shell = "sh3ll-%d" % os.getpid()
    with harness.target(threads=2) as t, fleet(workdir, 2) as (c, _):
        path = write(workdir, "params.yaml", PARAMETERS % "2s")
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 0, "a campaign is stored without its parameters' values", r)
        r = cli(workdir, ["campaign", "ls"] + c.flags())
        check("params: 1 phase, 1 scenario, 2s" in r.stdout, "and described in full", r)

        t.reset()
        proc, summary = start_with(workdir, c, "params",
                                   ["-e", "BASE=" + t.url, "--env=TOKEN=" + secret],
                                   env=without("BASE", "TOKEN"))
        rc, out, err, s = finish(proc, summary)
        stats = t.stats()
        check(rc == 0 and checks_passed(s), "-e values reach every agent and the target",
              (rc, out, err, s))
        by_path = stats["requests_by_path"]
        check(s["requests"]["total"] == stats["requests"] and
              0 <= by_path["/echo"] - by_path["/delay"] <= 4,
              "the target saw every request, a GET after each POST but for the iterations "
              "the run's end cut (one per user at most)", (s["requests"], stats))
        run_id = out.splitlines()[0].strip()
        db = sqlite3.connect(os.path.join(c.data, "stampede.db"))
        try:
            (command,) = db.execute("SELECT command FROM runs WHERE id = ?",
                                    (int(run_id),)).fetchone()
        finally:
            db.close()
        check("--env=TOKEN=(hidden)" in command and "BASE=(hidden)" in command,
              "the stored command line hides the values", command)

        # Not given: the controller refuses it with the campaign error, and nothing is sent.
        t.reset()
        proc, summary = start_with(workdir, c, "params", ["-e", "BASE=" + t.url],
                                   env=without("BASE", "TOKEN"))
        rc, out, err, _ = finish(proc, summary)
        check(rc == 2 and "scenarios[0].flow[0].post.headers.Authorization: {{env.TOKEN}} is not "
              "given: pass -e TOKEN=VALUE" in err, "a missing parameter is refused", (rc, err))
        check(t.stats()["requests"] == 0, "nothing reached the target", t.stats())

        # The environment of `start` gives what -e does not; --target replaces the campaign's
        # target, whose BASE is then not needed.
        proc, summary = start_with(workdir, c, "params", ["--target", t.url],
                                   env=dict(without("BASE"), TOKEN=from_shell))
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and checks_passed(s), "start's environment and --target", (rc, err, s))
        check(s["requests"]["total"] == t.stats()["requests"], "all at --target", s["requests"])
        proc, summary = start_with(workdir, c, "params", ["--target", "ftp://x", "-e", "TOKEN=x"])
        rc, out, err, _ = finish(proc, summary)
        check(rc == 2 and "--target:" in err, "a bad --target is a usage error", (rc, err))

        found = secrets_left(c, secret, from_shell)
        check(not found, "no value is in the controller's files", found)


def test_a_restarted_controller_cannot_hand_over_a_share_without_the_parameters(workdir):
    """The values are never stored, so a controller restarted mid-run does not have them: its
    agents go on with theirs, but a lost agent's share cannot be given to the others."""
    secret = "s3cr3t-%d" % os.getpid()
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        path = write(workdir, "params.yaml", PARAMETERS % "20s")  # on_agent_loss: rebalance
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 0, "campaign add", r)
        t.reset()
        proc, summary = start_with(workdir, c, "params",
                                   ["-e", "BASE=" + t.url, "-e", "TOKEN=" + secret],
                                   env=without("BASE", "TOKEN"))
        time.sleep(3.0)
        c.kill()
        time.sleep(1.0)
        c2 = Controller(c.data, c.address)
        try:
            time.sleep(1.0)
            agents["a2"].kill()  # found lost once the restored run's grace (10 s) is over
            rc, out, err, s = finish(proc, summary)
            check(rc == 0 and s["status"] == "completed" and s["degraded"],
                  "the restored run goes on to its end, degraded", (rc, out, err))
            check("cannot go on" not in c2.log(), "it was restored", c2.log())
            check(s["checks_total"]["failed"] == 0, "the agents kept their values", s)
            event = [e for e in s["events"] if "agent a2 lost" in e]
            check(len(event) == 1 and "cannot be handed over" in event[0] and
                  "not kept across a controller restart" in event[0] and
                  "goes on without its share" in event[0], "the event says why", s["events"])
            found = secrets_left(c2, secret)
            check(not found, "no value is in the controller's files", found)
        finally:
            c2.stop()


def test_abort_policy_stops_the_run(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        add_campaign(workdir, c, t, "strict", policy="abort", duration="20s")
        began = time.monotonic()
        proc, summary = start(workdir, c, "strict", "--wait")
        time.sleep(3.0)
        agents["a3"].kill()
        rc, out, err, s = finish(proc, summary)
        check(s is not None and s["status"] == "aborted" and s["degraded"], "aborted",
              (rc, out, err))
        check(rc == 1, "a run cut short by on_agent_loss: abort exits 1, not green", rc)
        check(time.monotonic() - began < 12, "well before the 20 s plan")
        check(any("on_agent_loss: abort" in e for e in s["events"]), "the event says why", s)


def test_stop_attach_and_refusals(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        add_campaign(workdir, c, t, "long", duration="30s")
        r = cli(workdir, ["start", "long", "--agents", "5"] + c.flags())
        check(r.returncode == 1 and "asked for 5 agents; 3 healthy idle agents are connected"
              in r.stderr, "too many agents", r)
        r = cli(workdir, ["start", "nope"] + c.flags())
        check(r.returncode == 1 and "no campaign named 'nope'" in r.stderr, "unknown campaign", r)
        bad = write(workdir, "bad-token", "0" * 64 + "\n")
        r = cli(workdir, ["start", "long"] + c.flags(token=bad))
        check(r.returncode == 1 and "refused the token" in r.stderr, "a bad token", r)

        r = cli(workdir, ["start", "long", "--agents", "2"] + c.flags())
        check(r.returncode == 0, "start without --wait", r)
        run_id = r.stdout.strip()
        check(run_id.isdigit(), "start prints the run id", r)
        r = cli(workdir, ["agents"] + c.flags())
        check(r.stdout.count("run %s" % run_id) == 2 and "idle" in r.stdout,
              "two agents assigned, one idle", r)
        time.sleep(3)
        began = time.monotonic()
        r = cli(workdir, ["stop", run_id] + c.flags())
        check(r.returncode == 0, "stop", r)
        r = cli(workdir, ["attach", run_id, "--summary-json",
                          os.path.join(workdir, "long.json")] + c.flags())
        check(r.returncode == 105 and "long interrupted" in r.stdout,
              "attach follows to the end and exits 105, as a local run stopped", r)
        check(time.monotonic() - began < 10, "stopped long before the plan's 30 s")
        with open(os.path.join(workdir, "long.json")) as f:
            s = json.load(f)
        check(s["status"] == "interrupted" and s["requests"]["total"] == t.stats()["requests"],
              "a stopped run still counts exactly", (s, t.stats()))
        r = cli(workdir, ["stop", run_id] + c.flags())
        check(r.returncode == 1 and "has already ended" in r.stderr, "stop twice", r)
        r = cli(workdir, ["agents"] + c.flags())
        check("run %s" % run_id not in r.stdout, "the agents are idle again", r)


class Terminal:
    """A stampede command on a pseudo-terminal of its own: Ctrl-C typed there reaches it as a
    user's would (SIGINT from the terminal to its process group)."""

    def __init__(self, workdir, args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(workdir)
            os.execv(harness.STAMPEDE, [harness.STAMPEDE] + args)
        self.text = ""

    def read_until(self, pattern, timeout=20.0):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.text) and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.text += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:  # the other end closed: the process ended
                    break
        return re.search(pattern, self.text) is not None

    def type(self, keys):
        os.write(self.fd, keys)

    def exit_code(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read_until(r"$^", 0.2)  # keep draining, so it never blocks on output
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return None


def test_ctrl_c_on_a_terminal_asks_stop_or_detach(workdir):
    with harness.target(threads=2) as t, fleet(workdir, 1) as (c, _):
        add_campaign(workdir, c, t, "asked", duration="30s")
        term = Terminal(workdir, ["start", "asked", "--wait"] + c.flags())
        check(term.read_until(r"users \d+"), "the live line shows", term.text)
        run_id = re.search(r"run (\d+) of asked", term.text).group(1)
        term.type(b"\x03")
        check(term.read_until(r"stop the run or detach"), "Ctrl-C asks", term.text)
        term.type(b"d\n")
        rc = term.exit_code()
        check(rc == 0 and "detached; run %s goes on" % run_id in term.text,
              "d detaches (exit 0)", (rc, term.text))
        r = cli(workdir, ["status", run_id] + c.flags())
        check(r.returncode == 0 and "running" in r.stdout, "the run goes on", r)

        term = Terminal(workdir, ["attach", run_id] + c.flags())
        check(term.read_until(r"users \d+"), "attached", term.text)
        term.type(b"\x03")
        check(term.read_until(r"stop the run or detach"), "Ctrl-C asks again", term.text)
        term.type(b"s\n")
        rc = term.exit_code()
        check(rc == 105 and "asked interrupted" in term.text,
              "s stops the run; attach exits 105 with its summary", (rc, term.text))


if __name__ == "__main__":
    main([test_a_run_split_over_three_agents_counts_exactly,
          test_iteration_counts_split_over_three_agents,
          test_a_killed_agent_is_detected_and_the_run_goes_on,
          test_survivors_take_over_a_killed_agents_share,
          test_a_paused_agent_stops_its_load_when_it_resumes,
          test_a_controller_restart_mid_run_loses_nothing,
          test_a_step_of_the_controllers_wall_clock_loses_no_agent,
          test_agents_stop_by_themselves_when_the_lease_runs_out,
          test_csv_rows_travel_with_the_campaign_and_are_partitioned,
          test_a_controller_restart_keeps_the_runs_csv_data,
          test_run_parameters_travel_with_start_and_are_never_stored,
          test_a_restarted_controller_cannot_hand_over_a_share_without_the_parameters,
          test_abort_policy_stops_the_run,
          test_stop_attach_and_refusals,
          test_ctrl_c_on_a_terminal_asks_stop_or_detach])
