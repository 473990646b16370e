# SPDX-License-Identifier: Apache-2.0
"""WebSocket steps (ws, send, expect, hold, close) against the built-in target: messages and
sockets counted exactly as the target saw them, pub/sub deliveries received, round trips
measured, and every failure (timeout, refused upgrade, no socket, bad campaign) reported."""
import harness
from harness import check, main


def one_thread_campaign(workdir, name, url, users, duration, rest):
    return harness.write(workdir, name, f"""
target: {url}
threads: 1
phases:
  - {{name: main, duration: {duration}, users: {users}}}
""" + rest)


def test_echo_counts_match_the_target(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        path = harness.write(workdir, "echo.yaml", f"""
target: {t.url}
phases:
  - {{name: main, duration: 2s, users: 6}}
scenarios:
  - name: chat
    flow:
      - ws: {{url: /ws/echo, name: echo socket}}
      - loop:
          count: 5
          flow:
            - send: "hello"
            - expect: hello
      - get:
          url: /json
          capture: [{{json: $.token, as: token}}]
      - send: "token {{{{token}}}}"
      - expect: {{text: "token {{{{token}}}}", timeout: 1s}}
      - send: {{json: {{type: ping}}}}
      - expect: {{json: $.type, equals: ping, timeout: 2s}}
      - send: {{binary: raw bytes}}
      - expect: {{regex: "^raw"}}
      - close
thresholds:
  - ws.rtt.p99 < 5s
  - ws.handshake.p50 < 1us
""")
        r = harness.run(["run", path, "-q"], workdir)
        check(r.returncode == 99, "ws.handshake.p50 < 1us fails, the rest passes", r)
        check([t["ok"] for t in r.summary["thresholds"]] == [True, False], "thresholds on ws",
              r.summary["thresholds"])
        w = r.summary["websocket"]
        stats = t.stats()
        check(w["opened"] > 6 and w["opened"] == stats["requests_by_path"]["/ws/echo"],
              "sockets opened as the target counted them", (w, stats))
        check(w["messages_out"] == stats["websocket"]["messages_in"], "sent = target's in",
              (w, stats["websocket"]))
        # A user the phase end stops between a send and its expect leaves one echo unread.
        unread = stats["websocket"]["messages_out"] - w["messages_in"]
        check(0 <= unread <= 6, "received = target's out, but for the last echo of each user",
              (w, stats["websocket"]))
        check(w["rtt_ms"]["count"] == w["messages_in"], "a round trip per expect", w)
        check(w["bytes_in"] > 0 and w["bytes_out"] - w["bytes_in"] <= 6 * 16, "bytes both ways",
              w)
        check(r.summary["errors"] == {}, "no errors", r.summary["errors"])
        steps = {s["name"]: s for s in r.summary["steps"]}
        check(steps["echo socket"]["latency_ms"]["count"] == w["opened"], "handshake per open",
              steps)
        check(w["handshake_ms"]["count"] == w["opened"], "handshake histogram", w)


def test_pubsub_deliveries_are_received(workdir):
    with harness.target(threads=1) as t:
        t.reset()
        path = one_thread_campaign(workdir, "pubsub.yaml", t.url, 3, "3s", """scenarios:
  - name: listen
    flow:
      - ws: /ws/pubsub?channel=news
      - post:
          url: /publish?channel=news
          body: breaking
      - hold: 1s
      - close
      - think: 10s
""")
        r = harness.run(["run", path, "-q"], workdir)
        w = r.summary["websocket"]
        stats = t.stats()
        check(stats["pubsub"]["published"] == 3, "three publishes", stats)
        check(w["messages_in"] == stats["pubsub"]["deliveries"] > 0, "every delivery received",
              (w, stats["pubsub"]))
        check(w["opened"] == 3 and w["messages_out"] == 0, "three listeners", w)


def test_a_hold_counts_messages_without_keeping_them(workdir):
    with harness.target(threads=1) as t:
        path = one_thread_campaign(workdir, "hold.yaml", t.url, 1, "1s", """scenarios:
  - name: s
    flow:
      - ws: /ws/echo
      - send: during the hold
      - hold: 200ms
      - expect: {any: true, timeout: 200ms}
""")
        s = harness.run(["run", path, "-q"], workdir).summary
        w = s["websocket"]
        # (The phase end may stop the user before its last echo arrives.)
        unread = t.stats()["websocket"]["messages_out"] - w["messages_in"]
        check(w["messages_in"] >= 1 and 0 <= unread <= 1,
              "echoes arriving during holds are counted", w)
        check(s["errors"].get("request_timeout", 0) >= 1 and w["rtt_ms"]["count"] == 0,
              "it is not there for the expect after the hold", (s["errors"], w))


def test_failures_are_reported(workdir):
    with harness.target(threads=1) as t:
        path = one_thread_campaign(workdir, "bad.yaml", t.url, 1, "1s", """scenarios:
  - name: never
    weight: 1
    flow:
      - ws: /ws/echo
      - send: hi
      - expect: {text: "not coming", timeout: 200ms}
  - name: refused
    weight: 1
    flow:
      - ws: /json
  - name: orphan
    weight: 1
    flow:
      - send: nobody listens
      - get: /
      - think: 100ms
""")
        r = harness.run(["run", path, "-q"], workdir)
        s = r.summary
        check(s["errors"].get("request_timeout", 0) >= 1 and
              "no WebSocket message matching text 'not coming' within 200.0ms" in
              s["error_samples"]["request_timeout"], "expect timeout", s["error_samples"])
        check("GET /json -> 200 (the upgrade to WebSocket was refused)" in
              s["error_samples"]["http_status"], "refused upgrade", s["error_samples"])
        check("send without an open WebSocket" in s["error_samples"]["protocol"], "no socket",
              s["error_samples"])


def test_bad_websocket_steps(workdir):
    cases = [
        ("- expect: {text: a, regex: b}", "an expect is exactly one of text, regex, json"),
        ("- close: {now: true}", "close takes no options"),
        ("- send: {text: a, json: {b: 1}}", "a send is exactly one of text, binary or json"),
        ("- ws: echo", "expected a path starting with '/'"),
        ("- expect: {text: a, equals: b}", "equals goes with json"),
        ("- hold: soon", "hold"),
    ]
    for step, message in cases:
        path = harness.write(workdir, "c.yaml", f"""target: http://127.0.0.1:1
phases:
  - {{name: main, duration: 1s, users: 1}}
scenarios:
  - name: s
    flow:
      - ws: /ws/echo
      {step}
""")
        r = harness.run(["validate", path], workdir)
        check(r.returncode == 2 and "c.yaml:8: scenarios[0].flow[1]" in r.stderr and
              message in r.stderr, step, r)


if __name__ == "__main__":
    main([test_echo_counts_match_the_target, test_pubsub_deliveries_are_received,
          test_a_hold_counts_messages_without_keeping_them, test_failures_are_reported,
          test_bad_websocket_steps])
