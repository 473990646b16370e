# SPDX-License-Identifier: Apache-2.0
"""Phases that end by iterations in a distributed run: the controller is their barrier, so the
next phase starts on every agent when the last worker is done, and a takeover of a killed
agent's share runs exactly the iterations it had not begun."""
import time

import harness
from control_harness import cli
from harness import check, main, write
from test_distributed_runs import fleet, finish, start, users_per_second


def add(workdir, c, name, text):
    path = write(workdir, name + ".yaml", text)
    r = cli(workdir, ["campaign", "add", path] + c.flags())
    check(r.returncode == 0, "campaign add", r)


def test_the_next_phase_starts_when_every_agent_is_done(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, _):
        # One user runs the shared count, on the first agent: the other two are done at once
        # and wait for it before the timed phase.
        add(workdir, c, "barrier", """
name: barrier
target: %s
threads: 1
phases:
  - {name: shared, users: 1, total_iterations: 100}
  - {name: timed, duration: 2s, users: 3, pace: 100ms}
  - {name: last, users: 3, iterations: 5}
scenarios:
  - name: s
    flow: [get: "/delay?ms=20"]
""" % t.url)
        t.reset()
        proc, summary = start(workdir, c, "barrier", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and s is not None and s["status"] == "completed", "start --wait",
              (rc, out, err))
        run_id = out.splitlines()[0].strip()
        users = users_per_second(workdir, run_id)
        check(users[:2] == [1, 1] and users.index(3) >= 2,
              "nobody starts the timed phase while the shared count runs: %s" % users)
        total = s["requests"]["total"]
        check(total == t.stats()["requests"], "counted exactly", (s, t.stats()))
        # 100, then 3 users paced at 100 ms for 2 s (20 each), then 3 x 5.
        check(100 + 3 * 18 + 15 <= total <= 100 + 3 * 20 + 15, "each phase ran", s)


def test_a_takeover_runs_the_iterations_the_lost_agent_had_not_begun(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        add(workdir, c, "takeover", """
name: takeover
target: %s
threads: 1
on_agent_loss: rebalance
phases:
  - {name: shared, users: 3, total_iterations: 600}
  - {name: after, users: 3, iterations: 2}
scenarios:
  - name: s
    flow: [get: "/delay?ms=20"]
""" % t.url)
        t.reset()
        proc, summary = start(workdir, c, "takeover", "--wait")
        time.sleep(2.5)  # each worker runs 200 of 20 ms: about 4 s
        agents["a2"].kill()
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and s is not None and s["status"] == "completed" and s["degraded"],
              "completed, degraded", (rc, out, err))
        check(any("agent a2 lost" in e and "takes over worker 1" in e for e in s["events"]),
              "a survivor took over", s["events"])
        # The 600 were begun exactly once in the merged counts: a2's reported ones and the
        # rest by its successor; then 3 x 2.
        started = s["iterations"]["started"]
        check(started == 600 + 6, "600 + 6 iterations begun, not %d" % started, s["iterations"])
        # The target also saw what a2 sent in its last unreported moments.
        gap = t.stats()["requests"] - s["requests"]["total"]
        check(0 <= gap <= 100, "only a2's unreported tail is missing: %d" % gap, s)


def test_a_takeover_after_a_phase_that_ended_by_iterations_keeps_to_the_moved_timeline(workdir):
    with harness.target(threads=2) as t, fleet(workdir) as (c, agents):
        # The shared count ends long before its 24 h cap: the timed phase starts then, and a
        # takeover must run it there, not at the planned offset.
        add(workdir, c, "moved", """
name: moved
target: %s
threads: 1
phases:
  - {name: shared, users: 3, total_iterations: 30}
  - {name: timed, duration: 6s, users: 3}
scenarios:
  - name: s
    flow: [get: "/delay?ms=20"]
""" % t.url)
        started = time.monotonic()
        proc, summary = start(workdir, c, "moved", "--wait")
        time.sleep(3.0)
        agents["a2"].kill()
        rc, out, err, s = finish(proc, summary)
        elapsed = time.monotonic() - started
        check(rc == 0 and s is not None and s["status"] == "completed" and s["degraded"],
              "completed, degraded", (rc, out, err))
        run_id = out.splitlines()[0].strip()
        users = users_per_second(workdir, run_id)
        lost = users.index(2)
        check(3 in users[lost:], "the takeover brings the third user back: %s" % users)
        check(elapsed < 12, "the run ends with the timed phase: %.1fs" % elapsed)


if __name__ == "__main__":
    main([test_the_next_phase_starts_when_every_agent_is_done,
          test_a_takeover_runs_the_iterations_the_lost_agent_had_not_begun,
          test_a_takeover_after_a_phase_that_ended_by_iterations_keeps_to_the_moved_timeline])
