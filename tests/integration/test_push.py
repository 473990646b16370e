# SPDX-License-Identifier: Apache-2.0
"""Push / fan-out: a publish step's stamped messages, as WebSocket and SSE subscribers received
them, checked against the target's own count of deliveries; and the accounting of gaps,
duplicates and reordering against a fake server that sends them on purpose."""
import http.server
import socketserver
import threading
import time

import harness
from harness import check, main


def test_fan_out_to_websocket_and_sse_subscribers(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        path = harness.write(workdir, "push.yaml", f"""
target: {t.url}
threads: 2
phases:
  - {{name: main, duration: 3s, users: 8}}
scenarios:
  - name: publisher
    fixed_users: 1
    flow:
      - think: 500ms
      - publish: {{url: "/publish?channel=c{{{{channel}}}}", rate: 200, channels: 2, count: 200, size: 64}}
      - think: 10s
  - name: ws
    fixed_users: 4
    flow:
      - ws: "/ws/pubsub?channel=c0"
      - hold: 10s
  - name: sse
    fixed_users: 3
    flow:
      - sse: "/sse?channel=c1"
thresholds:
  - push.lost == 0
  - push.latency.p99 < 2s
""")
        r = harness.run(["run", path, "-q"], workdir)
        s = r.summary
        check(r.returncode == 0 and s["errors"] == {}, "clean run, thresholds pass", r)
        started = {sc["name"]: sc["started"] for sc in s["scenarios"]}
        check(started == {"publisher": 1, "ws": 4, "sse": 3},
              "fixed users over two threads, one iteration each", s["scenarios"])
        stats = t.stats()
        p = s["push"]
        check(p["published"] == 200 == stats["pubsub"]["published"], "every publish accepted",
              (p, stats["pubsub"]))
        # 100 messages per channel: four WebSockets on c0, three event streams on c1.
        check(s["websocket"]["messages_in"] == 400 and s["sse"]["events"] == 300,
              "each subscriber got its channel's 100", (s["websocket"], s["sse"]))
        check(p["received"] == 700 == stats["pubsub"]["deliveries"],
              "every delivery the target made was recognised", (p, stats["pubsub"]))
        check(p["lost"] == 0 and p["duplicated"] == 0 and p["out_of_order"] == 0,
              "nothing lost, repeated or reordered", p)
        check(p["latency_ms"]["count"] == 700 and 0 < p["latency_ms"]["p50"] < 1000,
              "a latency per delivery", p["latency_ms"])
        reach = p["reach_ms"]
        check(all(reach[k]["count"] == 200 for k in ("50%", "90%", "99%", "100%")),
              "each message's reach settled once", reach)
        check(reach["50%"]["p50"] <= reach["100%"]["p50"], "half are reached before all", reach)
        check("push         200 published, 700 received, 0 lost" in
              harness.run(["show", "1", "--db", workdir + "/stampede.db"], workdir,
                          summary=False).stdout, "the stored summary shows push", None)


def test_refused_publishes_are_not_published(workdir):
    with harness.target(threads=1) as t:
        path = harness.write(workdir, "refused.yaml", f"""
target: {t.url}
threads: 1
phases:
  - {{name: main, duration: 1s, users: 1}}
scenarios:
  - name: publisher
    flow:
      - publish: {{url: "/status?code=503", rate: 50, count: 5}}
      - think: 10s
""")
        s = harness.run(["run", path, "-q"], workdir).summary
        check(s["push"]["published"] == 0 and s["status_codes"] == {"503": 5},
              "five refused publishes, none counted as published",
              (s["push"], s["status_codes"]))


def test_publishes_take_no_slot_of_a_throughput_phase(workdir):
    with harness.target(threads=1) as t:
        t.reset()
        path = harness.write(workdir, "paced.yaml", f"""
target: {t.url}
threads: 1
phases:
  - {{name: main, duration: 2s, rate: 5, connections: 1}}
scenarios:
  - name: s
    flow:
      - publish: {{url: "/publish?channel=c", rate: 200, count: 3}}
      - get: /json
""")
        s = harness.run(["run", path, "-q"], workdir).summary
        by_path = t.stats()["requests_by_path"]
        # Ten send slots in 2 s at 5/s, one per GET; each iteration's three publishes go out
        # on their own schedule besides.
        check(by_path.get("/json") == 10, "one GET per send slot", by_path)
        check(by_path.get("/publish") == 30 and s["push"]["published"] == 30,
              "three publishes per iteration", (by_path, s["push"]))


class StampedEvents(http.server.BaseHTTPRequestHandler):
    """An event stream of stamped messages with a gap, a duplicate and a late one."""
    sequences = [1, 2, 4, 3, 3, 6]

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        now_us = int(time.time() * 1e6)
        self.wfile.write(b"data: not stamped\n\n")
        for seq in self.sequences:
            stamp = "~sp1:%016x:%d:%d~" % (0xfeed, seq, now_us - 1000)
            self.wfile.write(("data: " + stamp + "\n\n").encode())
        self.wfile.flush()
        time.sleep(1.5)

    def log_message(self, *args):
        pass


def test_gaps_duplicates_and_reordering(workdir):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), StampedEvents)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = harness.write(workdir, "gaps.yaml", f"""
target: http://127.0.0.1:{server.server_address[1]}
threads: 1
phases:
  - {{name: main, duration: 1s, users: 1}}
scenarios:
  - name: listen
    flow:
      - sse: {{url: /events, events: 7}}
      - think: 10s
thresholds:
  - push.lost == 0
""")
        r = harness.run(["run", path, "-q"], workdir)
        p = r.summary["push"]
        check(r.summary["sse"]["events"] == 7, "seven events, one unstamped", r.summary["sse"])
        # 1, 2 and 4 in order (4 leaves 3 missing), 3 fills that gap, the second 3 is a copy,
        # 6 leaves 5 missing for good.
        check(p["received"] == 6 and p["duplicated"] == 1 and p["out_of_order"] == 1 and
              p["lost"] == 1 and p["published"] == 0, "one of each", p)
        check(p["latency_ms"]["count"] == 5, "latency once per message", p["latency_ms"])
        check(r.returncode == 99 and "push.lost == 0" in r.stdout + r.stderr,
              "the loss fails the threshold", r)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main([test_fan_out_to_websocket_and_sse_subscribers, test_refused_publishes_are_not_published,
          test_publishes_take_no_slot_of_a_throughput_phase, test_gaps_duplicates_and_reordering])
