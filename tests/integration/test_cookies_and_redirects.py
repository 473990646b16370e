# SPDX-License-Identifier: Apache-2.0
"""Cookies and redirects end to end against the built-in target: a cookie jar per user, sent
back, captured, reset or turned off; redirect chains followed hop by hop, each hop counted as
the server counted it."""
from harness import check, main, run, target, write


def steps_by_name(summary):
    return {s["name"]: s for s in summary["steps"]}


def checks_by_name(summary):
    return {c["check"]: c for c in summary["checks"]}


def test_cookies_set_by_the_target_come_back_and_are_captured(workdir):
    with target() as t:
        for url in (t.url, t.url.replace("http://", "h2c://")):
            t.reset()
            path = write(workdir, "c.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 2}]
scenarios:
  - name: login
    flow:
      - get:
          url: /cookie/set?sid=abc123&theme=dark
          capture: [{cookie: sid, as: session}]
          checks: [{cookie: theme, equals: dark, name: theme set}]
      - get:
          url: /cookie
          checks: [{body_contains: "sid=abc123; theme=dark", name: both sent}]
      - post:
          url: /echo
          body: "session={{session}}"
          checks: [{body_contains: "session=abc123", name: captured}]
""" % url)
            r = run(["run", path, "-q"], workdir)
            check(r.returncode == 0, "run failed", r)
            checks = checks_by_name(r.summary)
            for name in ("theme set", "both sent", "captured"):
                check(checks[name]["failed"] == 0 and checks[name]["passed"] > 5, name, checks)
            stats = t.stats()
            check(r.summary["requests"]["total"] == stats["requests"], "totals match", (r, stats))
            check(stats["requests_by_path"]["/cookie"] == checks["both sent"]["passed"],
                  "every /cookie request was checked", stats)


def test_a_login_in_setup_runs_once_per_user(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases: [{name: p, users: 3, iterations: 5}]
scenarios:
  - name: member
    setup:
      - post:
          url: /redirect?n=1&to=%%2Fcookie%%2Fset%%3Fsession%%3Ds3cr3t&status=303
          name: login
          capture: [{cookie: session, as: session}]
    flow:
      - get:
          url: /cookie
          checks: [{body_contains: "session=s3cr3t", name: logged in}]
      - post:
          url: /echo
          body: "{{session}}"
          checks: [{body_contains: s3cr3t, name: captured once}]
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        by_path = t.stats()["requests_by_path"]
        check(by_path["/redirect"] == 3 and by_path["/cookie/set"] == 3, "one login per user",
              by_path)
        check(by_path["/cookie"] == 15 and by_path["/echo"] == 15, "5 iterations each", by_path)
        s = r.summary
        check(s["iterations"]["started"] == s["iterations"]["completed"] == 15,
              "setup is no iteration", s)
        checks = checks_by_name(s)
        check(checks["logged in"]["passed"] == 15 and checks["captured once"]["passed"] == 15,
              "the session from setup", checks)
        check(steps_by_name(s)["login"]["requests"] == 6, "login and its redirect", s)


def test_cookie_policies_keep_reset_and_off(workdir):
    with target() as t:
        for policy, expect in (("true", "keep"), ("reset_each_iteration", "reset"),
                               ("false", "off")):
            t.reset()
            path = write(workdir, "c.yaml", """
target: %s
defaults: {cookies: %s}
phases: [{name: p, duration: 1s, users: 3}]
scenarios:
  - name: s
    flow:
      - get:
          url: /cookie
          checks: [{body_contains: "seen=1", name: sent back}]
      - get:
          url: /cookie/set?seen=1
          checks: [{cookie: seen, name: stored}]
""" % (t.url, policy))
            r = run(["run", path, "-q"], workdir)
            check(r.returncode == 0, "run failed", r)
            checks = checks_by_name(r.summary)
            sent = checks["sent back"]
            polls = t.stats()["requests_by_path"]["/cookie"]
            check(sent["passed"] + sent["failed"] == polls > 6, "every poll checked", (r, polls))
            if expect == "keep":
                # Only each user's first iteration comes without the cookie.
                check(sent["failed"] == 3, "the jar is kept across iterations", checks)
            else:
                check(sent["passed"] == 0, "%s: nothing sent back" % policy, checks)
            # With cookies off a cookie check still sees the response's own cookies.
            check(checks["stored"]["failed"] == 0, "%s: cookie check" % policy, checks)


def test_redirect_chains_are_followed_and_counted_hop_by_hop(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 2}]
scenarios:
  - name: s
    flow:
      - get:
          url: /redirect?n=3&to=%%2Fjson
          name: chain
          checks: [{json: $.token, equals: abc123, name: landed}]
      - get:
          url: /redirect?n=5&to=/json
          name: capped
          max_redirects: 2
          checks: [{status: 302, name: stopped at the cap}]
      - post:
          url: /redirect?n=1&to=/echo&status=307
          name: keeps
          body: payload
          checks: [{body_contains: payload, name: 307 resends the body}]
      - post:
          url: /redirect?n=1&to=/echo&status=303
          name: drops
          body: payload
          checks: [{body_contains: payload, name: 303 drops the body}]
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        stats = t.stats()
        checks = checks_by_name(s)
        # A chain runs whole once started; the phase's end may fall between steps, so each
        # step is counted by its own checks.
        runs = {name: checks[name]["passed"] + checks[name]["failed"]
                for name in ("landed", "stopped at the cap", "307 resends the body",
                             "303 drops the body")}
        chains, capped = runs["landed"], runs["stopped at the cap"]
        keeps, drops = runs["307 resends the body"], runs["303 drops the body"]
        check(chains > 5, "chains ran", s)
        check(s["requests"]["total"] == stats["requests"], "every hop is a request", (s, stats))
        by_path = stats["requests_by_path"]
        check(by_path["/redirect"] == 3 * chains + 3 * capped + keeps + drops, "redirect hops",
              (runs, stats))
        check(by_path["/json"] == chains and by_path["/echo"] == keeps + drops, "the chains' ends",
              (runs, stats))
        steps = steps_by_name(s)
        check(steps["chain"]["requests"] == 4 * chains and steps["chain"]["failed"] == 0,
              "a chain's hops are requests of its step", steps)
        check(steps["chain"]["status_classes"]["3xx"] == 3 * chains, "3xx per hop", steps)
        check(steps["chain"]["latency_ms"]["count"] == chains, "one step latency per chain", steps)
        check(steps["capped"]["requests"] == 3 * capped, "max_redirects caps the hops", steps)
        check(s["latency_ms"]["count"] == s["requests"]["total"], "every hop is timed", s)
        check(checks["landed"]["failed"] == 0, "landed", checks)
        check(checks["stopped at the cap"]["failed"] == 0, "the cap's answer is the step's", checks)
        check(checks["307 resends the body"]["failed"] == 0, "307 keeps POST and body", checks)
        check(checks["303 drops the body"]["passed"] == 0, "303 turns POST into GET", checks)
        # The step's latency is the chain's: its mean is several hops' worth.
        check(steps["chain"]["latency_ms"]["mean"] > steps["keeps"]["latency_ms"]["mean"],
              "chain latency", steps)


def test_redirects_off_and_bad_fields(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
defaults: {max_redirects: 0}
phases: [{name: p, duration: 1s, users: 1}]
scenarios:
  - name: s
    flow:
      - get: {url: "/redirect?n=2&to=/", checks: [{status: 302}]}
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0 and r.summary["checks_total"]["failed"] == 0, "not followed", r)
        check(t.stats()["requests_by_path"]["/redirect"] == r.summary["requests"]["total"],
              "one request each", r)
        for field, value, message in (
                ("cookies", "maybe",
                 "defaults.cookies: expected true (each user keeps its cookies), false (no "
                 "cookies) or reset_each_iteration, got 'maybe'"),
                ("max_redirects", "101", "defaults.max_redirects: expected at most 100, got 101"),
                ("max_redirects", "-1", "defaults.max_redirects: expected an integer >= 0")):
            bad = write(workdir, "bad.yaml", """
target: %s
defaults: {%s: %s}
phases: [{name: p, duration: 1s, users: 1}]
scenarios: [{name: s, flow: [get: /]}]
""" % (t.url, field, value))
            r = run(["validate", bad], workdir)
            check(r.returncode == 2 and message in r.stderr, "bad %s" % field, r)
        bad = write(workdir, "bad.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 1}]
scenarios:
  - name: s
    flow: [get: {url: /, capture: [{cookie: "a b", as: x}]}]
""" % t.url)
        r = run(["validate", bad], workdir)
        check(r.returncode == 2 and "invalid cookie name 'a b'" in r.stderr, "bad cookie name", r)


if __name__ == "__main__":
    main([test_cookies_set_by_the_target_come_back_and_are_captured,
          test_a_login_in_setup_runs_once_per_user,
          test_cookie_policies_keep_reset_and_off,
          test_redirect_chains_are_followed_and_counted_hop_by_hop,
          test_redirects_off_and_bad_fields])
