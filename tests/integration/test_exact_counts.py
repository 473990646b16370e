# SPDX-License-Identifier: Apache-2.0
"""Counts stampede reports equal what the target saw, and keep-alive reuses connections."""
from harness import check, main, run, target, write


def test_request_count_equals_target_and_connections_are_reused(workdir):
    with target() as t:
        r = run(["run", "--url", t.url + "/", "-c", "10", "-n", "2000", "-t", "2", "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        s = r.summary
        check(s["requests"]["total"] == 2000, "requests.total", s["requests"])
        check(stats["requests"] == 2000, "target requests %d" % stats["requests"])
        check(s["requests"]["ok"] == 2000 and s["requests"]["failed"] == 0, "ok/failed", s)
        check(s["status_codes"] == {"200": 2000}, "status codes", s["status_codes"])
        # The /stats request itself came on one more connection.
        check(stats["connections_accepted"] - 1 == 10,
              "keep-alive: accepted %d connections for -c 10" % stats["connections_accepted"])
        check(s["latency_ms"]["count"] == 2000, "one latency sample per request", s["latency_ms"])


def test_fewer_users_than_threads_still_run_every_request(workdir):
    with target() as t:
        t.reset()
        r = run(["run", "--url", t.url + "/", "-c", "1", "-n", "11", "-t", "3", "-q"], workdir)
        check(r.returncode == 0 and r.summary["requests"]["total"] == 11, "11 requests", r)
        check(t.stats()["requests"] == 11, "the target saw 11", t.stats())


def test_timed_campaign_counts_match_target_exactly(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases:
  - name: steady
    duration: 2s
    users: 5
scenarios:
  - name: mixed
    flow:
      - get: /
      - get: /delay?ms=5
      - get: /status?code=404
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        s = r.summary
        check(s["requests"]["total"] == stats["requests"],
              "stampede %d vs target %d" % (s["requests"]["total"], stats["requests"]))
        check(s["requests"]["total"] > 50, "too few requests", s["requests"])
        codes = s["status_codes"]
        check(codes.get("404", 0) == s["requests"]["failed"], "404s are the failures", s)
        check(s["errors"].get("http_status", 0) == codes.get("404", 0), "http_status errors", s)
        check(stats["connections_accepted"] - 1 == 5, "5 users, 5 connections", stats)
        steps = {st["name"]: st["latency_ms"]["count"] for st in s["steps"]}
        check(set(steps) == {"GET /", "GET /delay", "GET /status"}, "step names", steps)
        check(sum(steps.values()) == s["requests"]["total"], "steps add up", steps)
        # Per step (Locust's per-name table): requests, failures and status classes, each equal
        # to what the target counted on that step's path.
        by_path = stats["requests_by_path"]
        for st in s["steps"]:
            path = st["name"].split(" ", 1)[1]
            seen = by_path.get(path, 0)
            check(st["requests"] == seen, "%s: %d requests, the target saw %d"
                  % (st["name"], st["requests"], seen), st)
            classes = st["status_classes"]
            check(sum(classes.values()) == st["requests"], "status classes add up", st)
            if path == "/status":
                check(st["failed"] == seen and classes["4xx"] == seen, "404s fail their step", st)
            else:
                check(st["failed"] == 0 and classes["2xx"] == seen, "200s pass their step", st)
        scenario = s["scenarios"][0]
        check(scenario["latency_ms"]["count"] == s["requests"]["total"],
              "one scenario latency sample per request", scenario)


def test_expected_statuses_decide_what_fails(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
defaults:
  expect_status: [200, 204]
phases:
  - name: steady
    duration: 1s
    users: 2
scenarios:
  - name: mixed
    flow:
      - get: {url: "/status?code=404", name: gone, expect_status: 404,
              checks: [{status: 404}]}
      - get: {url: "/status?code=204", name: empty, checks: [{status: 204, name: no content}]}
      - get: {url: "/status?code=302", name: moved, checks: [{status: 302, name: no content}]}
      - get: {url: /, name: home, expect_status: [201]}
thresholds:
  - http.error_rate < 60%%
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        s = r.summary
        check(r.returncode == 0, "the 404s are expected: the threshold holds", r)
        steps = {st["name"]: st for st in s["steps"]}
        seen = t.stats()["requests_by_path"]
        check(steps["gone"]["failed"] == 0 and steps["gone"]["requests"] > 0, "404 expected", steps)
        check(steps["empty"]["failed"] == 0, "204 expected by the defaults", steps)
        # A 302 is below 400 but not among the defaults' statuses; a 200 where 201 is expected.
        check(steps["moved"]["failed"] == steps["moved"]["requests"], "302 unexpected", steps)
        check(steps["home"]["failed"] == steps["home"]["requests"] == seen["/"], "200 unexpected",
              steps)
        failed = steps["moved"]["requests"] + steps["home"]["requests"]
        check(s["requests"]["failed"] == failed, "failed requests", s["requests"])
        check(s["errors"] == {"http_status": failed}, "only unexpected statuses fail", s["errors"])
        check(s["requests"]["total"] == seen["/status"] + seen["/"], "totals", (s, seen))
        check(s["status_codes"]["404"] == steps["gone"]["requests"], "404s counted", s)
        check(s["checks_total"]["failed"] == 0, "the status checks pass", s["checks_total"])
        # Checks are named by step, or by their name: (one name, counted together).
        names = {c["check"]: c["passed"] for c in s["checks"]}
        check(names == {"mixed: gone: status == 404": steps["gone"]["requests"],
                        "no content": steps["empty"]["requests"] + steps["moved"]["requests"]},
              "check names", names)


def test_quick_mode_steps_and_rate(workdir):
    with target() as t:
        r = run(["run", "--url", t.url + "/", "-u", "1:3", "-d", "1s", "-q"], workdir)
        check(r.returncode == 0, "steps run failed", r)
        check(r.summary["users"]["peak"] == 3, "peak users of -u 1:3", r.summary["users"])
        check(r.summary["requests"]["total"] == t.stats()["requests"], "steps counts", r.summary)
        t.reset()
        r = run(["run", "--url", t.url + "/", "--rate", "200", "-c", "4", "-d", "2s", "-q"],
                workdir)
        check(r.returncode == 0, "rate run failed", r)
        total = r.summary["requests"]["total"]
        check(total == 400, "200/s for 2s is exactly 400 requests, got %d" % total, r.summary)
        check(t.stats()["requests"] == 400, "target saw 400", t.stats())


if __name__ == "__main__":
    main([test_request_count_equals_target_and_connections_are_reused,
          test_fewer_users_than_threads_still_run_every_request,
          test_timed_campaign_counts_match_target_exactly,
          test_expected_statuses_decide_what_fails,
          test_quick_mode_steps_and_rate])
