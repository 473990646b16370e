# SPDX-License-Identifier: Apache-2.0
"""Phases that end by iterations: each user's count (iterations), a shared count
(total_iterations), steps by iterations and quick mode -i, exact against the target's /stats;
the next phase starts when all are done, and a timed phase after them still runs its time."""
import time

from harness import check, main, run, target, write


def test_iteration_counts_are_exact_and_phases_follow_each_other(workdir):
    with target(threads=2) as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: each, users: 7, iterations: 13}
  - {name: shared, users: 3, total_iterations: 101}
  - {name: timed, duration: 1s, users: 1, pace: 250ms}
  - {name: stepped, steps: [2, 5], iterations: 11}
scenarios:
  - name: s
    flow: [get: /, get: /json]
""" % t.url)
        started = time.monotonic()
        r = run(["run", path, "-q", "-t", "3"], workdir)
        elapsed = time.monotonic() - started
        check(r.returncode == 0, "run failed", r)
        iterations = 7 * 13 + 101 + 4 + (2 + 5) * 11
        stats = t.stats()
        check(stats["requests_by_path"]["/"] == iterations, "iterations by /stats", (stats, r))
        check(stats["requests_by_path"]["/json"] == iterations, "whole iterations", stats)
        s = r.summary
        check(s["iterations"]["started"] == s["iterations"]["completed"] == iterations,
              "iterations in the summary", s)
        check(s["requests"]["total"] == stats["requests"] == 2 * iterations, "requests", s)
        # The timed phase runs its second after the first two, not at a fixed offset.
        check(1.0 <= elapsed < 10, "the run takes the timed phase's second and little more",
              elapsed)


def test_quick_mode_iterations_per_user(workdir):
    with target() as t:
        r = run(["run", "--url", t.url + "/json", "-c", "4", "-i", "9"], workdir)
        check(r.returncode == 0 and t.stats()["requests"] == 36, "-c 4 -i 9", (r, t.stats()))
        check(r.summary["requests"]["total"] == 36, "summary", r)
        t.reset()
        # Loads' -u 10:20:30 -c 20 (20 cycles per user in each step).
        r = run(["run", "--url", t.url + "/", "-u", "10:20:30", "-i", "20"], workdir)
        check(r.returncode == 0 and t.stats()["requests"] == (10 + 20 + 30) * 20, "-u -i",
              (r, t.stats()))
        for args, message in (
                (["-i", "3", "-n", "10"], "-i: cannot be combined with -n"),
                (["-i", "0"], "-i: needs at least one iteration"),
                (["-i", "3", "--rate", "10"], "--rate: cannot be combined with -u, -n or -i")):
            r = run(["run", "--url", t.url + "/"] + args, workdir, summary=False)
            check(r.returncode == 2 and message in r.stderr, " ".join(args), r)


def test_a_duration_caps_a_phase_that_ends_by_iterations(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: capped, users: 2, iterations: 1000000, duration: 1s}
  - {name: after, users: 1, iterations: 3}
scenarios:
  - name: s
    flow: [get: "/delay?ms=20"]
""" % t.url)
        started = time.monotonic()
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0 and time.monotonic() - started < 5, "the cap ends it", r)
        # Two users for a second of 20 ms requests, then exactly 3.
        n = t.stats()["requests"]
        check(60 <= n - 3 <= 110, "capped near 2 x 50 requests, then 3 more", n)
        check(r.summary["requests"]["total"] == n, "counts", r)


def test_graceful_stop_interrupts_what_runs_past_the_phase(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - {name: slow, duration: 1s, users: 2, graceful_stop: 500ms}
  - {name: after, users: 1, iterations: 2}
scenarios:
  - name: s
    flow: [get: "/delay?ms=2000"]
""" % t.url)
        started = time.monotonic()
        r = run(["run", path, "-q"], workdir)
        elapsed = time.monotonic() - started
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        # One population: user 0 goes on into the next phase, its request too; user 1 leaves at
        # 1 s, and its request is cut at 1.5 s, uncounted. User 0 then runs the phase's two.
        check(s["iterations"]["interrupted"] == 1 and s["iterations"]["completed"] == 3,
              "1 interrupted, 3 completed", s)
        check(s["errors"] == {} and s["requests"]["failed"] == 0, "an interruption is no error", s)
        check(s["requests"]["total"] == 3 and t.stats()["requests"] == 4, "counts", s)
        check(5.9 < elapsed < 8, "three 2 s requests by user 0: %.1fs" % elapsed, s)
        check("1 interrupted (at their phase's end)" in r.stdout, "the summary says so", r)

        # A WebSocket expect still waiting when the run ends is interrupted, not misfiled.
        path = write(workdir, "ws.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 3, graceful_stop: 0s}]
scenarios:
  - name: s
    flow:
      - ws: /ws/echo
      - expect: {text: never, timeout: 30s}
""" % t.url)
        started = time.monotonic()
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0 and time.monotonic() - started < 4, "ends at once", r)
        s = r.summary
        check(s["iterations"]["interrupted"] == 3 and s["errors"] == {}, "3 interrupted", s)

        # The summary tells the load's time from the graceful stop's: a 2 s request begun at
        # the start of a 1 s phase finishes within its graceful stop.
        path = write(workdir, "grace.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 1, graceful_stop: 5s}]
scenarios:
  - name: s
    flow: [get: "/delay?ms=2000"]
""" % t.url)
        r = run(["run", path], workdir)
        s = r.summary
        check(r.returncode == 0 and s["iterations"]["completed"] == 1, "completed in its grace", r)
        check(0.95 < s["load_s"] < 1.3 and 0.7 < s["graceful_stop_s"] < 1.1 and
              abs(s["load_s"] + s["graceful_stop_s"] - s["duration_s"]) < 0.01,
              "1 s of load, the rest graceful stop", s)
        check("(%.1fs of load, %.1fs of graceful stop)" % (s["load_s"], s["graceful_stop_s"])
              in r.stdout, "the summary line says both", r)


if __name__ == "__main__":
    main([test_iteration_counts_are_exact_and_phases_follow_each_other,
          test_quick_mode_iterations_per_user,
          test_a_duration_caps_a_phase_that_ends_by_iterations,
          test_graceful_stop_interrupts_what_runs_past_the_phase])
