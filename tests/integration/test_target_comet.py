# SPDX-License-Identifier: Apache-2.0
"""The built-in target's comet endpoints, fed by POST /publish like WebSocket subscribers:
GET /sse?channel=NAME streams each message as a server-sent event; GET /longpoll?channel=NAME
answers with the next message, or 204 after timeout_ms. Counted in /stats."""
import json
import socket
import threading
import time
import urllib.request

import harness
from harness import check, main


def publish(t, channel, message):
    req = urllib.request.Request(f"{t.url}/publish?channel={channel}", data=message.encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["delivered"]


def open_event_stream(port, channel):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET /sse?channel={channel} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, rest = data.partition(b"\r\n\r\n")
    return s, head.decode(), rest


def read_events(s, pending, count):
    data = pending
    while data.count(b"\n\n") < count:
        data += s.recv(4096)
    return data.decode().split("\n\n")[:count]


def test_event_streams(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        streams = [open_event_stream(t.port, "ticker") for _ in range(4)]
        for _, head, _ in streams:
            check(head.startswith("HTTP/1.1 200") and "text/event-stream" in head, "SSE head",
                  head)
        check(t.stats()["comet"]["sse_open"] == 4, "4 streams open", t.stats())
        for i in range(10):
            check(publish(t, "ticker", f"tick {i}") == 4, "delivered to 4", i)
        check(publish(t, "ticker", "two\nlines") == 4, "a multi-line message")
        for s, _, rest in streams:
            events = read_events(s, rest, 11)
            check(events[:10] == [f"data: tick {i}" for i in range(10)], "in order", events)
            check(events[10] == "data: two\ndata: lines", "one data field per line", events)
            s.close()
        deadline = time.monotonic() + 5
        while t.stats()["comet"]["sse_open"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        stats = t.stats()
        check(stats["comet"]["sse_open"] == 0 and stats["comet"]["sse_events"] == 44,
              "closed streams counted", stats["comet"])
        check(stats["requests_by_path"]["/sse"] == 4, "4 /sse requests", stats)


def test_long_polls(workdir):
    with harness.target(threads=1) as t:
        t.reset()
        results = []

        def poll():
            with urllib.request.urlopen(t.url + "/longpoll?channel=news&timeout_ms=5000",
                                        timeout=10) as r:
                results.append((r.status, r.read().decode()))

        pollers = [threading.Thread(target=poll) for _ in range(3)]
        for p in pollers:
            p.start()
        deadline = time.monotonic() + 5
        while t.stats()["comet"]["longpolls_waiting"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        check(publish(t, "news", "extra!") == 3, "three polls waiting")
        for p in pollers:
            p.join()
        check(results == [(200, "extra!")] * 3, "each poll answered with the message", results)
        began = time.monotonic()
        with urllib.request.urlopen(t.url + "/longpoll?channel=news&timeout_ms=300",
                                    timeout=10) as r:
            check(r.status == 204 and time.monotonic() - began >= 0.3, "204 after the wait",
                  r.status)
        stats = t.stats()
        check(stats["comet"]["longpoll_messages"] == 3 and stats["comet"]["longpoll_timeouts"] == 1,
              "long polls counted", stats["comet"])
        check(stats["comet"]["longpolls_waiting"] == 0, "none waiting", stats["comet"])
        # Without a channel: a usage error.
        try:
            urllib.request.urlopen(t.url + "/longpoll", timeout=10)
            check(False, "/longpoll without a channel must fail")
        except urllib.error.HTTPError as e:
            check(e.code == 400, "400 without a channel", e.code)


if __name__ == "__main__":
    main([test_event_streams, test_long_polls])
