# SPDX-License-Identifier: Apache-2.0
"""stampede's HTTP/2 client: exact counts against the built-in target's /stats (streams share
connections as -m says), campaigns over h2c, timeouts, and misbehaving servers (RST_STREAM,
GOAWAY, garbage frames, SETTINGS and PING floods) counted as errors without a crash."""
import struct

import harness
from fake_h2_server import (GOAWAY, PING, RST_STREAM, SETTINGS, FakeH2Server, answer_ok,
                            frame)
from harness import check, main


def test_quick_mode_counts_exactly(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        r = harness.run(["run", "--url", f"h2c://127.0.0.1:{t.port}/", "-c", "4", "-m", "10",
                         "-n", "3000", "-t", "2", "-q"], workdir)
        check(r.returncode == 0, "run succeeds", r)
        s = r.summary
        check(s["requests"]["total"] == 3000 and s["requests"]["ok"] == 3000, "3000 ok", s)
        check(s["connections"]["opened"] == 4, "4 connections for 40 users", s["connections"])
        check(s["users"]["peak"] == 40, "-c 4 -m 10 runs 40 users", s["users"])
        check(s["http2"]["streams"] == 3000 and s["http2"]["streams_per_connection"] == 750,
              "streams per connection", s["http2"])
        check(s["ttfb_ms"]["count"] == 3000 and s["ttfb_ms"]["max"] <= s["latency_ms"]["max"],
              "a first byte time per stream, within its latency", (s["ttfb_ms"], s["latency_ms"]))
        stats = t.stats()
        check(stats["requests"] == 3000, "the target saw every stream once", stats)
        check(stats["connections_accepted"] - 1 == 4, "the target saw 4 connections", stats)
        # --h2 on an http:// URL is the same as h2c://.
        t.reset()
        r = harness.run(["run", "--url", t.url + "/json", "--h2", "-c", "1", "-n", "10", "-q"],
                        workdir)
        check(r.returncode == 0 and r.summary["http2"]["streams"] == 10, "--h2", r)
        check(t.stats()["requests_by_path"]["/json"] == 10, "10 /json", t.stats())


def test_campaign_over_h2c(workdir):
    with harness.target(threads=1) as t:
        t.reset()
        path = harness.write(workdir, "h2.yaml", f"""
target: h2c://127.0.0.1:{t.port}
threads: 1
defaults:
  streams: 5
  request_timeout: 300ms
phases:
  - {{name: main, duration: 2s, users: 5}}
scenarios:
  - name: s
    flow:
      - loop:
          count: 4
          flow:
            - post:
                url: /echo
                body: "hello"
                headers: {{Content-Type: text/plain}}
                checks:
                  - body_contains: hello
                  - header: content-type
                    equals: text/plain
            - get: /status?code=503
            - get: /delay?ms=2000
""")
        r = harness.run(["run", path, "-q"], workdir, timeout=60)
        s = r.summary
        check(s is not None, "a summary", r)
        # Five users, each iteration: 4 x (echo, 503, a delay that times out).
        check(s["requests"]["total"] >= 30, "several loops", s["requests"])
        check(s["errors"]["request_timeout"] >= 10, "the /delay requests time out", s["errors"])
        check(s["status_codes"]["503"] + s["status_codes"]["200"] + s["errors"]["request_timeout"]
              == s["requests"]["total"], "nothing else", s)
        check(abs(s["status_codes"]["503"] - s["status_codes"]["200"]) <= 5,
              "503 as often as echo, give or take the users' last round", s)
        check(s["checks_total"]["failed"] == 0, "echo answered the body", s["checks_total"])
        check(s["connections"]["opened"] == 1, "5 users, 5 streams: one connection", s)
        stats = t.stats()
        check(stats["requests_by_path"]["/echo"] == s["status_codes"]["200"], "echo counted", stats)


def test_templated_requests_over_h2c(workdir):
    # Requests rendered per user (a path and a header from data rows) take the per-stream
    # header fields; literal ones share their link's. Both on the same connections.
    with harness.target(threads=1) as t:
        harness.write(workdir, "rows.csv", "user,code\nalice,201\nbob,404\ncarol,202\n")
        path = harness.write(workdir, "h2t.yaml", f"""
target: h2c://127.0.0.1:{t.port}
threads: 1
data: {{file: rows.csv}}
defaults: {{streams: 3}}
phases:
  - {{name: main, duration: 1s, users: 3}}
scenarios:
  - name: s
    flow:
      - get: "/status?code={{{{code}}}}"
      - post:
          url: /echo
          headers: {{Content-Type: "text/{{{{user}}}}"}}
          body: "from {{{{user}}}}"
          checks:
            - body_contains: "from "
            - header: content-type
      - get: /json
""")
        r = harness.run(["run", path, "-q"], workdir, timeout=60)
        s = r.summary
        check(s is not None and r.returncode == 0, "the run", r)
        codes = s["status_codes"]
        check(all(codes.get(c, 0) > 0 for c in ("201", "404", "202")),
              "every user's row reached its path", codes)
        check(codes["201"] + codes["404"] + codes["202"] + codes["200"] == s["requests"]["total"],
              "nothing else", codes)
        check(s["checks_total"]["failed"] == 0, "echo answered each user's body", s)
        stats = t.stats()
        check(stats["requests"] == s["requests"]["total"], "counts exact", (stats, s["requests"]))
        by_path = stats["requests_by_path"]
        check(by_path["/echo"] > 0 and abs(by_path["/echo"] - by_path["/json"]) <= 3,
              "the literal and the rendered requests alike", by_path)


def test_bad_campaign_fields(workdir):
    path = harness.write(workdir, "bad.yaml", """
target: http://127.0.0.1:1
defaults:
  streams: 10
phases:
  - {name: main, duration: 1s, users: 1}
scenarios:
  - name: s
    flow:
      - get: /
""")
    r = harness.run(["validate", path], workdir)
    check(r.returncode == 2 and "bad.yaml:4: defaults.streams: only HTTP/2 targets" in r.stderr,
          "streams needs an HTTP/2 target", r)
    r = harness.run(["run", "--url", "http://127.0.0.1:1/", "-m", "4", "-n", "1"], workdir)
    check(r.returncode == 2 and "-m: concurrent streams need HTTP/2" in r.stderr, "-m needs h2", r)


def run_against(server, workdir, requests, users=1, streams=1, timeout=60):
    return harness.run(["run", "--url", f"h2c://127.0.0.1:{server.port}/", "-c", str(users),
                        "-m", str(streams), "-n", str(requests), "-t", "1", "-q",
                        "--timeout", "2s"], workdir, timeout=timeout)


def test_reset_streams_are_counted(workdir):
    def every_third_reset(server, conn, stream_id, index):
        if index % 3 == 2:
            conn.sendall(frame(RST_STREAM, 0, stream_id, struct.pack("!I", 0x2)))
        else:
            answer_ok(conn, stream_id)

    with FakeH2Server(every_third_reset) as server:
        r = run_against(server, workdir, 300, users=2, streams=3)
        s = r.summary
        check(s["requests"]["total"] == 300, "300 requests", r)
        check(s["http2"]["streams_reset"] == 100, "every third stream reset", s["http2"])
        check(s["errors"]["protocol"] == 100, "resets are protocol errors", s["errors"])
        check("RST_STREAM INTERNAL_ERROR" in s["error_samples"]["protocol"], "the code is named",
              s["error_samples"])
        check(s["connections"]["opened"] == 2, "resets keep the connection", s["connections"])


def test_goaway_makes_a_new_connection(workdir):
    def goaway_every_tenth(server, conn, stream_id, index):
        answer_ok(conn, stream_id)
        if index % 10 == 9:
            conn.sendall(frame(GOAWAY, 0, 0, struct.pack("!II", stream_id, 0)))
            return "close"

    with FakeH2Server(goaway_every_tenth) as server:
        r = run_against(server, workdir, 100)
        s = r.summary
        check(s["requests"]["total"] == 100 and s["requests"]["failed"] == 0, "all answered", r)
        # The tenth GOAWAY follows the last answer: the run may end before reading it.
        check(s["http2"]["goaways"] in (9, 10), "the GOAWAYs counted", s["http2"])
        check(s["connections"]["opened"] == 10 and server.connections == 10,
              "a new connection after each GOAWAY", (s["connections"], server.connections))


def test_refused_streams_are_sent_again(workdir):
    in_flight = {}

    def goaway_refusing_two_of_three(server, conn, stream_id, index):
        # On the first connection, once its three users are past their first requests (and
        # send on a ready connection), three streams stay in flight: the server answers the
        # first of them and says GOAWAY with that one as the last it processed, so the other
        # two were refused unprocessed.
        waiting = in_flight.setdefault(conn, [])
        waiting.append(stream_id)
        if index < 6 or index >= 9:
            answer_ok(conn, stream_id)
        elif len(waiting) == 9:
            answer_ok(conn, waiting[6])
            conn.sendall(frame(GOAWAY, 0, 0, struct.pack("!II", waiting[6], 0)))
            return "drain"

    with FakeH2Server(goaway_refusing_two_of_three) as server:
        r = run_against(server, workdir, 30, users=1, streams=3)
        s = r.summary
        check(s["requests"]["total"] == 30 and s["requests"]["failed"] == 0,
              "the refused requests were sent again and answered", r)
        check(server.requests == 32, "the server saw the two refused ones twice", server.requests)
        check(s["http2"]["goaways"] == 1 and s["connections"]["opened"] == 2,
              "one GOAWAY, one new connection", (s["http2"], s["connections"]))


def test_garbage_and_floods_never_crash(workdir):
    def garbage(server, conn, stream_id, index):
        conn.sendall(b"\x00\x00\x04\xff\x00\x00\x00\x00\x00" + b"junk" * 50 + b"\xff" * 64)
        return "close"

    with FakeH2Server(garbage) as server:
        r = run_against(server, workdir, 20)
        s = r.summary
        check(s["requests"]["total"] == 20 and s["requests"]["failed"] == 20, "every one fails", r)
        check(set(s["errors"]) <= {"protocol", "reset"}, "as protocol errors", s["errors"])

    def flood(server, conn, stream_id, index):
        # 2,000 SETTINGS and 2,000 PINGs before the answer: nghttp2 acknowledges them all.
        burst = b"".join(frame(SETTINGS, 0, 0) + frame(PING, 0, 0, b"12345678")
                         for _ in range(2000))
        conn.sendall(burst)
        answer_ok(conn, stream_id)

    with FakeH2Server(flood) as server:
        r = run_against(server, workdir, 20)
        s = r.summary
        check(s is not None and s["requests"]["total"] == 20, "the run ends", r)
        # nghttp2 may give up on a peer that floods it (GOAWAY ENHANCE_YOUR_CALM); either way
        # each request is counted once, as an answer or a protocol error.
        check(s["requests"]["ok"] + s["errors"].get("protocol", 0) +
              s["errors"].get("reset", 0) == 20, "each counted once", s)


if __name__ == "__main__":
    main([test_quick_mode_counts_exactly, test_campaign_over_h2c, test_bad_campaign_fields,
          test_templated_requests_over_h2c, test_reset_streams_are_counted,
          test_goaway_makes_a_new_connection,
          test_refused_streams_are_sent_again, test_garbage_and_floods_never_crash])
