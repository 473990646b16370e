# SPDX-License-Identifier: Apache-2.0
"""sse and longpoll steps against the built-in target while a publisher posts: events and long
poll answers counted exactly as the target sent them, gaps measured, failures reported."""
import harness
from harness import check, main


def test_subscribers_and_a_publisher(workdir):
    with harness.target(threads=1) as t:
        t.reset()
        path = harness.write(workdir, "comet.yaml", f"""
target: {t.url}
threads: 1
phases:
  - {{name: main, duration: 3s, users: 4}}
scenarios:
  - name: listen
    weight: 2
    flow:
      - sse: {{url: "/sse?channel=news", duration: 2s, name: news stream}}
      - think: 10s
  - name: poll
    weight: 1
    flow:
      - longpoll: {{url: "/longpoll?channel=news&timeout_ms=500", duration: 2s}}
      - think: 10s
  - name: publish
    weight: 1
    flow:
      - think: 200ms
      - loop:
          count: 10
          flow:
            - post:
                url: /publish?channel=news
                body: hello
            - think: 100ms
      - think: 10s
""")
        r = harness.run(["run", path, "-q"], workdir)
        s = r.summary
        check(r.returncode == 0 and s["errors"] == {}, "clean run", r)
        stats = t.stats()
        check(stats["pubsub"]["published"] == 10, "ten publishes", stats["pubsub"])
        check(s["sse"]["streams"] == 2 and s["sse"]["events"] == stats["comet"]["sse_events"] == 20,
              "every event of both streams", (s["sse"], stats["comet"]))
        check(s["sse"]["gap_ms"]["count"] == 18 and 50 < s["sse"]["gap_ms"]["p50"] < 200,
              "gaps between events, about the publisher's 100 ms", s["sse"]["gap_ms"])
        lp = s["longpoll"]
        check(lp["messages"] == stats["comet"]["longpoll_messages"] and
              lp["empty"] == stats["comet"]["longpoll_timeouts"], "long polls as answered",
              (lp, stats["comet"]))
        check(lp["polls"] == lp["messages"] + lp["empty"] == stats["requests_by_path"]["/longpoll"],
              "each poll counted once", (lp, stats))
        check(lp["messages"] >= 8, "most publishes reach the poller", lp)
        check(lp["reconnect_gap_ms"]["count"] == lp["polls"] - 1, "a gap between polls", lp)
        steps = {st["name"]: st for st in s["steps"]}
        check(steps["news stream"]["latency_ms"]["count"] == 2, "subscription time per stream",
              steps)
        check(s["connections"]["peak"] == 4,
              "two event streams and the poller's and publisher's connections open at once",
              s["connections"])


def one_sse_step(workdir, url, step):
    """Runs one user repeating an sse step for a second; returns the summary."""
    path = harness.write(workdir, "sse.yaml", f"""
target: {url}
threads: 1
phases:
  - {{name: main, duration: 1s, users: 1}}
scenarios:
  - name: s
    flow:
      - sse: {step}
      - think: 100ms
""")
    return harness.run(["run", path, "-q"], workdir).summary


def test_event_stream_failures(workdir):
    with harness.target(threads=1) as t:
        s = one_sse_step(workdir, t.url, "{url: /json, events: 1}")
        # /json answers 200 with a JSON body and ends it: a stream without events, over at once.
        check(s["sse"]["streams"] >= 1 and s["sse"]["events"] == 0, "no events in JSON", s["sse"])
        check(s["errors"] == {"reset": s["sse"]["streams"]} and
              s["error_samples"]["reset"] == "the server ended the event stream",
              "the end of each stream is an error", s["errors"])
        s = one_sse_step(workdir, t.url, '{url: "/status?code=503", events: 1}')
        check("GET /status?code=503 -> 503 (no event stream)" in
              s["error_samples"].get("http_status", ""), "a refused subscription",
              s["error_samples"])
        r = harness.run(["validate", harness.write(workdir, "bad3.yaml", """
target: http://127.0.0.1:1
phases:
  - {name: main, duration: 1s, users: 1}
scenarios:
  - name: s
    flow:
      - longpoll: {url: /x, polls: 0}
""")], workdir)
        check(r.returncode == 2 and "scenarios[0].flow[0].longpoll.polls: expected a positive"
              in r.stderr, "polls must be positive", r)


if __name__ == "__main__":
    main([test_subscribers_and_a_publisher, test_event_stream_failures])
