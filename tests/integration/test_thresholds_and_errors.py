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
          test_refused_connections_are_counted_not_fatal])
