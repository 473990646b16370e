# SPDX-License-Identifier: Apache-2.0
"""Scenario features end to end (checks, captures, CSV feeder, weights, loops), source-address
rotation, TLS, and the per-second intervals stored in the database."""
import os
import sqlite3
import subprocess
import time

import harness
from harness import check, main, run, target, write


def test_checks_captures_feeder_and_weights(workdir):
    with target() as t:
        write(workdir, "users.csv", "user,code\nalice,200\nbob,200\ncarol,201\n")
        path = write(workdir, "c.yaml", """
target: %s
data: {file: users.csv}
phases:
  - {name: closed, duration: 2s, users: 6}
scenarios:
  - name: capture
    weight: 3
    flow:
      - get:
          url: /json
          capture:
            - {json: $.token, as: token}
            - {header: Content-Type, as: ctype}
      - post:
          url: /echo
          headers: {Content-Type: "text/{{token}}"}
          body: "user={{user}} token={{token}}"
          checks:
            - {status: 200}
            - {header: content-type, equals: "text/abc123"}
            - {body_contains: "token=abc123"}
  - name: looped
    weight: 1
    flow:
      - loop:
          count: 2
          flow:
            - get:
                url: /status?code={{code}}
                checks:
                  - {status: 200}
""" % t.url)
        r = run(["run", path, "-q", "-t", "2"], workdir)
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        checks = {c["check"]: c for c in s["checks"]}
        for name in ("capture: POST /echo: status == 200",
                     "capture: POST /echo: header content-type == text/abc123",
                     "capture: POST /echo: body contains 'token=abc123'"):
            check(checks[name]["failed"] == 0 and checks[name]["passed"] > 10, name, checks)
        # carol's code is 201: her looped status checks fail, the others pass.
        looped = checks["looped: GET /status: status == 200"]
        check(looped["failed"] > 0 and looped["passed"] > 0, "feeder rows reach templates", looped)
        check(s["status_codes"].get("201", 0) == looped["failed"], "201s are carol's", s)
        check(s["errors"]["check_failed"] == looped["failed"], "check_failed class", s["errors"])
        check("got status 201" in s["error_samples"]["check_failed"], "sample", s)
        sc = {x["name"]: x for x in s["scenarios"]}
        ratio = sc["capture"]["started"] / max(1, sc["looped"]["started"])
        check(2.5 <= ratio <= 3.5, "weights 3:1, got %.2f" % ratio, sc)
        check(s["requests"]["total"] == t.stats()["requests"], "counts exact", s["requests"])


def test_bind_rotates_source_addresses(workdir):
    with target() as t:
        r = run(["run", "--url", t.url + "/", "-c", "8", "-n", "400", "-q",
                 "--bind", "127.0.0.2-127.0.0.5"], workdir)
        check(r.returncode == 0, "run failed", r)
        stats = t.stats()
        # Four source addresses from --bind, plus 127.0.0.1 for the /stats request itself.
        check(stats["remote_addresses"] == 5, "remote addresses", stats)
        check(stats["requests"] == 400, "requests", stats)
    r = run(["run", "--url", "http://127.0.0.1:1/", "-n", "1", "--bind", "not-an-ip"], workdir)
    check(r.returncode == 2 and "--bind" in r.stderr, "bad --bind is a usage error", r)


def test_tls_with_sni_and_insecure(workdir):
    key = os.path.join(workdir, "key.pem")
    cert = os.path.join(workdir, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                               "-cert", cert, "-key", key, "-www", "-quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        url = "https://localhost:%d/" % port
        r = run(["run", "--url", url, "-c", "1", "-n", "5", "-k", "-q", "-t", "1"], workdir)
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        check(s["requests"]["ok"] == 5, "five answers over TLS", s)
        check(s["tls_ms"]["count"] >= 1, "TLS handshakes timed", s["tls_ms"])
        # Without -k the self-signed certificate is rejected, and counted as a TLS error.
        r = run(["run", "--url", url, "-c", "1", "-n", "3", "-q", "-t", "1"], workdir)
        check(r.returncode == 0, "run failed", r)
        check(r.summary["errors"].get("tls") == 3, "verification failures", r.summary)
    finally:
        server.terminate()
        server.wait()


def test_intervals_are_stored_per_second(workdir):
    with target() as t:
        db = os.path.join(workdir, "stampede.db")
        r = run(["run", "--url", t.url + "/", "-c", "4", "-d", "3s", "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        con = sqlite3.connect(db)
        rows = con.execute("SELECT idx, metrics_json FROM intervals WHERE run_id = 1 "
                           "ORDER BY idx").fetchall()
        check(len(rows) >= 3, "one interval per second", rows)
        import json
        total = sum(json.loads(m)["requests"] for _, m in rows)
        check(total == r.summary["requests"]["total"], "intervals add up to the total",
              (total, r.summary["requests"]))
        hist = con.execute("SELECT COUNT(*) FROM interval_histograms WHERE run_id = 1 AND "
                           "name = 'latency'").fetchone()[0]
        check(hist == len(rows), "a latency histogram per interval", hist)
        status, text = con.execute("SELECT status, campaign_text FROM runs WHERE id = 1").fetchone()
        check(status == "completed" and "target:" in text, "run row", (status, text))


def test_rendered_values_cannot_inject_headers_or_break_the_request_line(workdir):
    with target() as t:
        # Quick mode: a header with a line break is refused before anything is sent.
        r = run(["run", "--url", t.url + "/", "-n", "1", "-H", "X: a\r\nInjected: yes"],
                workdir, summary=False)
        check(r.returncode == 2 and "-H X: a header value cannot contain line breaks"
              in r.stderr, "quick mode refuses the header", r)
        r = run(["run", "--url", t.url + "/", "-n", "1", "-H", "Bad Name: x"], workdir,
                summary=False)
        check(r.returncode == 2 and "-H: invalid header name 'Bad Name'" in r.stderr,
              "and a header name that is no token", r)
        check(t.stats()["requests"] == 0, "nothing reached the target")

        # At run time: user 0 has a value with a space, user 1 one with a line break.
        write(workdir, "vals.csv", 'id,tag\na b,ok\nc,"bad\r\nInjected: yes"\n')
        path = write(workdir, "c.yaml", """
target: %s
data: {file: vals.csv}
phases:
  - {name: p, duration: 2s, users: 2}
scenarios:
  - name: s
    flow:
      - get: {url: "/echo?q={{id}}", name: escaped, headers: {X-Tag: "{{tag}}"}}
      - get: {url: "/echo?q={{id|raw}}", name: raw}
      - think: 10ms
""" % t.url)
        r = run(["run", path, "-q", "-t", "1"], workdir)
        s = r.summary
        check(r.returncode == 0 and s is not None, "the run", r)
        stats = t.stats()
        invalid = s["errors"].get("invalid_request", 0)
        # Each iteration: user 0's escaped request (a%20b) is answered, its raw one (a space in
        # the request line) is not sent; user 1's escaped one carries a line break in X-Tag and
        # is not sent, its raw one (c) is answered.
        check(invalid > 20, "requests failed unsent as invalid_request", s["errors"])
        check(s["status_codes"].get("200", 0) == stats["requests"],
              "every request sent was answered 200: %s vs %d" % (s["status_codes"],
                                                                  stats["requests"]))
        check(s["requests"]["total"] == stats["requests"] + invalid, "exact counts",
              (s["requests"], stats))
        check(stats["requests_by_path"].get("rejected", 0) == 0, "the target rejected nothing",
              stats)
        sample = s["error_samples"]["invalid_request"]
        check("not sent" in sample and ("X-Tag" in sample or "a b" in sample), "named", sample)


def test_quick_mode_flags_are_refused_beside_a_file_and_c_beside_u(workdir):
    path = write(workdir, "c.yaml", """
target: http://127.0.0.1:9
phases: [{name: p, duration: 1s, users: 1}]
scenarios: [{name: s, flow: [get: /]}]
""")
    for flag in (["-d", "1s"], ["-c", "5"], ["-H", "X: y"], ["--timeout", "1s"], ["-k"]):
        r = run(["run", path] + flag, workdir, summary=False)
        check(r.returncode == 2 and "is a quick-mode flag (with --url)" in r.stderr
              and flag[0] in r.stderr, "%s beside a file is refused" % flag[0], r)
    r = run(["run", "--url", "http://127.0.0.1:9/", "-u", "1:2", "-c", "20", "-d", "1s"],
            workdir, summary=False)
    check(r.returncode == 2 and "-u: cannot be combined with -c" in r.stderr,
          "-c with -u is refused instead of ignored", r)


def test_capture_misses_are_counted_and_unset_variables_not_sent(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", """
target: %s
phases: [{name: p, duration: 1s, users: 2}]
scenarios:
  - name: s
    flow:
      - get: {url: /json, capture: [{json: $.nothing, as: order}]}
      - get: "/status?code=200&order={{order}}"
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        s = r.summary
        steps = {st["name"]: st for st in s["steps"]}
        seen = t.stats()["requests_by_path"]
        check("/status" not in seen, "no request went out with {{order}} unset", seen)
        json_requests = steps["GET /json"]["requests"]
        unsent = steps["GET /status"]["requests"]
        check(json_requests == seen["/json"] > 0 and 0 < unsent <= json_requests,
              "every step counted", (steps, seen))
        check(steps["GET /status"]["failed"] == unsent, "the unsent requests failed", steps)
        reasons = s["error_reasons"]["capture"]
        check(reasons == {"GET /json: capture json $.nothing as order matched nothing":
                          json_requests,
                          "{{order}} is not set: no capture or data column gave it a value, so "
                          "the request was not sent": unsent},
              "both reasons, counted exactly", reasons)
        check(s["errors"]["capture"] == json_requests + unsent, "the capture class", s["errors"])


def test_run_parameters_and_target_override(workdir):
    import sqlite3
    with target() as t:
        path = write(workdir, "c.yaml", """
target: "{{env.BASE}}"
phases: [{name: p, duration: 1s, users: 1}]
scenarios:
  - name: s
    flow:
      - post:
          url: /echo
          body: "token={{env.TOKEN}}"
          checks: [{body_contains: "token={{env.TOKEN}}"}]
""")
        r = run(["run", path, "-q", "-e", "BASE=" + t.url, "--env=TOKEN=s3cret"], workdir)
        s = r.summary
        check(r.returncode == 0 and s["checks_total"]["failed"] == 0
              and s["checks_total"]["passed"] == s["requests"]["total"] > 0,
              "-e values reach the target and the checks", r)
        check(s["requests"]["total"] == t.stats()["requests"], "counts match", s["requests"])
        con = sqlite3.connect(os.path.join(workdir, "stampede.db"))
        command, text = con.execute("SELECT command, campaign_text FROM runs").fetchone()
        check("s3cret" not in command and "TOKEN=(hidden)" in command and "s3cret" not in text,
              "the stored run keeps no parameter value", (command, text))

        # Not given: a campaign error naming the field, nothing sent.
        t.reset()
        r = run(["run", path, "-q", "-e", "BASE=" + t.url], workdir, summary=False)
        check(r.returncode == 2 and "scenarios[0].flow[0].post.body: {{env.TOKEN}} is not given"
              in r.stderr, "a missing parameter is refused", r)
        check(t.stats()["requests"] == 0, "nothing reached the target", t.stats())

        # The environment gives what -e does not; --target replaces the file's target.
        other = write(workdir, "other.yaml", """
target: http://127.0.0.1:9
phases: [{name: p, duration: 1s, users: 1}]
scenarios: [{name: s, flow: [get: /]}]
""")
        env = dict(os.environ, TOKEN="s3cret", BASE=t.url)
        proc = subprocess.run([harness.STAMPEDE, "validate", path], cwd=workdir, env=env,
                              capture_output=True, text=True)
        check(proc.returncode == 0, "validate reads the environment", proc)
        r = run(["run", other, "-q", "--target", t.url], workdir)
        check(r.returncode == 0 and r.summary["requests"]["total"] == t.stats()["requests"] > 0,
              "--target replaces the campaign's", r)
        r = run(["run", other, "--target", "ftp://x"], workdir, summary=False)
        check(r.returncode == 2 and "--target:" in r.stderr, "a bad --target is a usage error", r)
        r = run(["run", path, "-e", "TOKEN"], workdir, summary=False)
        check(r.returncode == 2 and "-e: expected NAME=VALUE" in r.stderr, "-e without =", r)
        for flag in (["-e", "A=b"], ["--target", t.url]):
            r = run(["run", "--url", t.url + "/", "-n", "1"] + flag, workdir, summary=False)
            check(r.returncode == 2 and "goes with a campaign FILE" in r.stderr,
                  "%s with --url is refused" % flag[0], r)


def test_json_bodies_take_typed_and_escaped_values(workdir):
    with target() as t:
        write(workdir, "people.csv", 'name\nsay "hi" \\ there\n')
        path = write(workdir, "c.yaml", """
target: %s
data: {file: people.csv}
phases: [{name: p, duration: 1s, users: 1}]
scenarios:
  - name: s
    flow:
      - get:
          url: /json
          capture: [{json: $.user.id, as: id}, {json: $.token, as: token}]
      - post:
          url: /echo
          name: typed
          json: {id: "{{id|number}}", name: "{{name}}"}
          checks:
            - {json: $.id, equals: "42", name: a number}
            - {body_contains: '"id":42,', name: unquoted}
            - {json: $.name, equals: 'say "hi" \\ there', name: escaped}
      - post:
          url: /echo
          name: not a number
          json: {id: "{{token|number}}"}
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        checks = {c["check"]: c for c in s["checks"]}
        for name in ("a number", "unquoted", "escaped"):
            check(checks[name]["failed"] == 0 and checks[name]["passed"] > 5, name, checks)
        refused = s["error_reasons"]["invalid_request"]
        check(list(refused) == ["a {{name|number}} value is not a number"], "reason", s)
        check(s["error_samples"]["invalid_request"] ==
              "not a number: {{token|number}} is 'abc123', not a number", "sample", s)
        stats = t.stats()
        check(stats["requests_by_path"]["/echo"] == checks["a number"]["passed"],
              "the refused requests were not sent", (stats, s))


if __name__ == "__main__":
    main([test_checks_captures_feeder_and_weights, test_bind_rotates_source_addresses,
          test_tls_with_sni_and_insecure, test_intervals_are_stored_per_second,
          test_rendered_values_cannot_inject_headers_or_break_the_request_line,
          test_quick_mode_flags_are_refused_beside_a_file_and_c_beside_u,
          test_capture_misses_are_counted_and_unset_variables_not_sent,
          test_run_parameters_and_target_override,
          test_json_bodies_take_typed_and_escaped_values])
