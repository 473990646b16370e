# SPDX-License-Identifier: Apache-2.0
"""Consecutive closed phases are one population, as k6's stages are: a higher count ramps up
from the users already there, a lower one ramps down, and users keep their connections,
cookies, variables and setup from phase to phase."""
import json
import os
import sqlite3

from harness import check, main, run, target, write


def intervals(workdir):
    """The run's stored seconds: (requests, active users) of each."""
    db = sqlite3.connect(os.path.join(workdir, "stampede.db"))
    try:
        rows = db.execute("SELECT metrics_json FROM intervals WHERE run_id = 1 ORDER BY idx")
        return [(m["requests"], m["active_users"]) for m in (json.loads(r[0]) for r in rows)]
    finally:
        db.close()


def test_a_ramp_from_10_to_20_users_adds_10_without_a_drop(workdir):
    with target(threads=2) as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: ten, users: 10, duration: 3s}
  - {name: twenty, users: 20, ramp: 2s, duration: 3s}
scenarios:
  - name: s
    flow: [get: /, think: 100ms]
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        # (The /stats request is one connection of its own.)
        check(stats["connections_accepted"] == 20 + 1,
              "the 10 users keep their connections; 10 more open one each", stats)
        check(r.summary["requests"]["total"] == stats["requests"], "totals match", (r, stats))
        check(r.summary["users"]["peak"] == 20, "20 users at most", r.summary["users"])
        seconds = intervals(workdir)
        check(len(seconds) >= 6, "a second each", seconds)
        before = (seconds[1][0] + seconds[2][0]) / 2
        # Second 3 is the switch: the 10 users go on, the others join over the ramp.
        for i in range(3, 6):
            check(seconds[i][0] >= 0.9 * before, "no drop at or after the switch (second %d)" % i,
                  seconds)
        check(seconds[5][0] >= 1.6 * before, "twice the users, about twice the requests", seconds)
        check(seconds[1][1] == 10 and seconds[5][1] == 20, "users of each phase", seconds)


def test_a_lower_count_ramps_down_and_the_users_keep_their_session(workdir):
    with target(threads=2) as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: many, users: 20, duration: 2s}
  - {name: few, users: 2, ramp: 1s, duration: 2s}
  - {name: again, users: 6, duration: 1s}
scenarios:
  - name: member
    setup:
      - get:
          url: /cookie/set?sid=abc
          capture: [{cookie: sid, as: session}]
    flow:
      - get:
          url: /cookie
          checks: [{body_contains: "sid=abc", name: logged in}]
      - post:
          url: /echo
          body: "{{session}}"
          checks: [{body_contains: abc, name: captured once}]
      - think: 50ms
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        by_path = stats["requests_by_path"]
        check(by_path["/cookie/set"] == 20, "one login per user, whatever its phases", by_path)
        check(stats["connections_accepted"] == 20 + 1, "no user opens a second connection", stats)
        check(r.summary["users"]["peak"] == 20, "20 users at most, not 22", r.summary["users"])
        seconds = intervals(workdir)
        # From 3 s, the ramp down is over: 2 users make a tenth of the requests 20 made (the
        # second's peak still counts the users finishing their iteration at 3 s).
        check(0.05 * seconds[1][0] < seconds[3][0] < 0.15 * seconds[1][0] and seconds[3][1] < 20,
              "2 users once the ramp down is over", seconds)
        check(seconds[4][1] == 6, "and 6 in the last phase", seconds)
        checks = {c["check"]: c for c in r.summary["checks"]}
        for name in ("logged in", "captured once"):
            check(checks[name]["failed"] == 0 and checks[name]["passed"] > 100, name, checks)
        s = r.summary
        check(s["requests"]["total"] == stats["requests"], "totals match", (s, stats))


def test_an_iteration_phase_after_a_timed_one_counts_from_its_start(workdir):
    with target(threads=2) as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: warm, users: 4, duration: 1s}
  - {name: counted, users: 6, iterations: 10}
  - {name: last, users: 3, iterations: 5}
scenarios:
  - name: s
    setup: [get: "/cookie/set?sid=1"]
    flow: [get: /json, think: 20ms]
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        by_path = stats["requests_by_path"]
        check(by_path["/cookie/set"] == 6, "the 4 users go on; 2 more log in", by_path)
        check(stats["connections_accepted"] == 6 + 1, "connections kept across phases", stats)
        started = r.summary["iterations"]["started"]
        check(by_path["/json"] == started and started >= 4 * 10 + 6 * 10 + 3 * 5,
              "each phase's iterations", (by_path, r.summary["iterations"]))
        check(r.summary["requests"]["total"] == stats["requests"], "totals match", (r, stats))
        check(r.summary["users"]["peak"] == 6, "6 users at most", r.summary["users"])


if __name__ == "__main__":
    main([test_a_ramp_from_10_to_20_users_adds_10_without_a_drop,
          test_a_lower_count_ramps_down_and_the_users_keep_their_session,
          test_an_iteration_phase_after_a_timed_one_counts_from_its_start])
