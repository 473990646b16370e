# SPDX-License-Identifier: Apache-2.0
"""Exit codes a CI pipeline relies on: 99 for a failed threshold, 2 for a bad campaign."""
from harness import check, main, run, target, write

MINIMAL = """target: %s
phases:
  - name: steady
    duration: 2s
    users: 5
scenarios:
  - name: slow
    flow:
      - get: /delay?ms=20
thresholds:
  - http.latency.p95 < 1ms
"""


def test_minimal_campaign_fails_its_threshold_with_99(workdir):
    with target() as t:
        path = write(workdir, "minimal.yaml", MINIMAL % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 99, "expected exit 99", r)
        th = r.summary["thresholds"]
        check(len(th) == 1 and th[0]["expression"] == "http.latency.p95 < 1ms", "expr", th)
        check(th[0]["ok"] is False and th[0]["actual"] >= 20, "actual p95 >= 20ms", th)
        check("✗" in r.stdout and "http.latency.p95 < 1ms" in r.stdout, "summary mark", r)
        check(t.stats()["requests"] == r.summary["requests"]["total"], "counts", r.summary)


def test_passing_thresholds_exit_zero(workdir):
    with target() as t:
        r = run(["run", "--url", t.url + "/", "-n", "200", "-c", "2", "-q",
                 "--threshold", "http.latency.p95 < 5s", "--threshold", "http.error_rate < 1%"],
                workdir)
        check(r.returncode == 0, "expected exit 0", r)
        check(all(t["ok"] for t in r.summary["thresholds"]), "thresholds", r.summary)


def test_bad_campaign_exits_2_naming_line_and_field(workdir):
    path = write(workdir, "bad.yaml", """target: http://127.0.0.1:1
phases:
  - name: steady
    duration: 2s
    usres: 5
scenarios:
  - name: s
    flow:
      - get: /
""")
    for args in (["run", path], ["validate", path]):
        r = run(args, workdir, summary=False)
        check(r.returncode == 2, "expected exit 2 from %s" % args[0], r)
        check("bad.yaml:5" in r.stderr and "phases[0].usres" in r.stderr,
              "error names file:line and field", r)
    good = write(workdir, "good.yaml", MINIMAL % "http://127.0.0.1:1")
    r = run(["validate", good], workdir, summary=False)
    check(r.returncode == 0 and "ok" in r.stdout, "validate accepts the minimal campaign", r)


def test_validate_reports_every_mistake_at_once(workdir):
    path = write(workdir, "three.yaml", """target: http://127.0.0.1:1
phases:
  - {name: steady, duration: 2s, users: five}
scenarios:
  - name: s
    flow:
      - get: {url: /login, capture: [{json: $.token, as: token}]}
      - get: /me?t={{tokn}}
thresholds:
  - http.latency.p95 < fast
""")
    expected = [
        "stampede: %s:3: phases[0].users: expected a positive integer, got 'five'" % path,
        "stampede: %s:8: scenarios[0].flow[1].get: {{tokn}} is not defined: no capture, data "
        "column or run parameter gives it; did you mean 'token'?" % path,
        "stampede: %s:10: thresholds[0]: expected a latency like 200ms, 1.5s or 800us (a bare "
        "number is milliseconds), got 'fast'" % path,
    ]
    for args in (["validate", path], ["run", path]):
        r = run(args, workdir, summary=False)
        check(r.returncode == 2, "expected exit 2 from %s" % args[0], r)
        check(r.stderr.splitlines() == expected, "all three, in file order, one a line", r)


MIXED = """target: %s
phases:
  - name: steady
    duration: 2s
    users: 4
scenarios:
  - name: healthy
    flow:
      - get: /
  - name: mixed
    flow:
      - get: /status?code=500
      - get: /
thresholds:
  - http.error_rate{step="GET /"} < 1%%
  - http.error_rate < 1%%
  - http.error_rate{scenario=healthy} < 1%%
  - http.error_rate{step="GET /status"} < 60%%
  - http.error_rate < 60%%
  - http.requests{status=500} > 0
  - http.requests{step="GET /", status=5xx} == 0
"""


def test_a_scoped_threshold_holds_where_the_run_wide_one_fails_and_back(workdir):
    with target() as t:
        path = write(workdir, "mixed.yaml", MIXED % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 99, "a failed threshold exits 99", r)
        s = r.summary
        got = {th["expression"]: (th["ok"], round(th["actual"], 9)) for th in s["thresholds"]}
        steps = {st["name"]: st for st in s["steps"]}
        ok, failed = steps["GET /"], steps["GET /status"]
        check(ok["requests"] > 0 and ok["failed"] == 0, "GET / answers 200", steps)
        check(failed["requests"] > 0 and failed["failed"] == failed["requests"],
              "GET /status?code=500 fails every time", steps)
        run_wide = round(s["requests"]["failed"] / s["requests"]["total"], 9)
        check(0.01 < run_wide < 0.5, "the run's error rate is between the two gates", s)
        # The step and the scenario that only meet 200s hold; the whole run does not...
        check(got['http.error_rate{step="GET /"} < 1%'] == (True, 0), "GET / holds", got)
        check(got["http.error_rate < 1%"] == (False, run_wide), "the run fails", got)
        check(got["http.error_rate{scenario=healthy} < 1%"] == (True, 0), "healthy holds", got)
        # ...and the other way round: the failing step fails a gate the whole run passes.
        check(got['http.error_rate{step="GET /status"} < 60%'] == (False, 1), "step fails", got)
        check(got["http.error_rate < 60%"] == (True, run_wide), "the run holds", got)
        check(got["http.requests{status=500} > 0"] == (True, failed["requests"]),
              "requests answered 500, counted run-wide", got)
        check(got['http.requests{step="GET /", status=5xx} == 0'] == (True, 0),
              "GET / has no 5xx", got)
        scenarios = {sc["name"]: sc for sc in s["scenarios"]}
        check(scenarios["healthy"]["failed"] == 0 and scenarios["mixed"]["failed"] ==
              failed["requests"], "failures counted by scenario", scenarios)
        check(scenarios["healthy"]["requests"] + scenarios["mixed"]["requests"] ==
              s["requests"]["total"], "every request in its scenario", scenarios)
        check('✓ http.error_rate{step="GET /"} < 1%' in r.stdout, "summary marks it passed", r)


def test_a_filter_naming_nothing_in_the_campaign_is_refused(workdir):
    for typo, message in [
            ("scenario=helthy", "no scenario named 'helthy'; did you mean 'healthy'? (the "
             "campaign's scenarios: 'healthy', 'mixed')"),
            ('step="GET /stats"', "no step named 'GET /stats'; did you mean 'GET /status'? "
             "(the campaign's steps: 'GET /', 'GET /status')")]:
        text = (MIXED % "http://127.0.0.1:1").replace('{step="GET /"} < 1%', "{%s} < 1%%" % typo,
                                                      1)
        path = write(workdir, "typo.yaml", text)
        for args in (["run", path], ["validate", path]):
            r = run(args, workdir, summary=False)
            check(r.returncode == 2, "a typo in a filter exits 2 from %s" % args[0], r)
            check("%s:15: thresholds[0]: %s\n" % (path, message) in r.stderr,
                  "the exact message, naming file, line and field", r)
    # Not close to any name: no suggestion, only the names there are.
    path = write(workdir, "far.yaml", (MIXED % "http://127.0.0.1:1").replace(
        "{scenario=healthy}", "{scenario=payments}"))
    r = run(["validate", path], workdir, summary=False)
    check(r.returncode == 2 and "%s:17: thresholds[2]: no scenario named 'payments' (the "
          "campaign's scenarios: 'healthy', 'mixed')\n" % path in r.stderr, "no guess", r)
    # --threshold is checked against the quick campaign's one step.
    r = run(["run", "--url", "http://127.0.0.1:1/", "-n", "1", "--threshold",
             'http.error_rate{step="GET /x"} < 1%'], workdir, summary=False)
    check(r.returncode == 2 and "--threshold: no step named 'GET /x'; did you mean 'GET /'? "
          "(the campaign's steps: 'GET /')" in r.stderr, "quick mode", r)


def test_refused_connections_are_counted_not_fatal(workdir):
    # Port 1 on loopback: nothing listens there.
    r = run(["run", "--url", "http://127.0.0.1:1/", "-n", "20", "-c", "2", "-q"], workdir)
    check(r.returncode == 0, "a refused target is data, not a crash", r)
    s = r.summary
    check(s["requests"]["failed"] == 20 and s["errors"].get("refused") == 20, "refused", s)
    check("refused" in s["error_samples"]["refused"].lower(), "sample message", s)


if __name__ == "__main__":
    main([test_minimal_campaign_fails_its_threshold_with_99, test_passing_thresholds_exit_zero,
          test_bad_campaign_exits_2_naming_line_and_field,
          test_validate_reports_every_mistake_at_once,
          test_a_scoped_threshold_holds_where_the_run_wide_one_fails_and_back,
          test_a_filter_naming_nothing_in_the_campaign_is_refused,
          test_refused_connections_are_counted_not_fatal])
