# SPDX-License-Identifier: Apache-2.0
"""The built-in target's WebSocket endpoints: /ws/echo answers every message as it came,
/ws/pubsub?channel=NAME delivers what POST /publish?channel=NAME is given; counted in /stats.
Bad frames close with the RFC 6455 codes and the target goes on."""
import json
import time
import urllib.request

import harness
from harness import check, main
from ws_client import BINARY, TEXT, Closed, WebSocket


def publish(t, channel, message):
    req = urllib.request.Request(f"{t.url}/publish?channel={channel}", data=message.encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def expect_close(t, code, what, misbehave):
    ws = WebSocket(t.port, "/ws/echo")
    misbehave(ws)
    try:
        ws.recv()
        check(False, what + " must close the connection")
    except Closed as e:
        check(e.args[0] == code, f"{what}: close code {code}", e.args)
    ws.sock.close()


def test_echo_counts_messages(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        ws = WebSocket(t.port, "/ws/echo")
        check(ws.status_line.startswith("HTTP/1.1 101"), "handshake", ws.handshake)
        for i in range(50):
            ws.send_text(f"hello {i}")
            check(ws.recv() == (TEXT, f"hello {i}".encode()), "text echoed", i)
        payload = bytes(range(256)) * 300
        ws.send_binary(payload)
        check(ws.recv() == (BINARY, payload), "binary echoed, 76,800 bytes")
        stats = t.stats()
        check(stats["websocket"]["messages_in"] == 51 and stats["websocket"]["messages_out"] == 51,
              "51 messages each way", stats["websocket"])
        check(stats["websocket"]["open"] == 1, "one WebSocket open", stats["websocket"])
        check(stats["requests_by_path"]["/ws/echo"] == 1, "the handshake counted once", stats)
        ws.close()
        deadline = time.monotonic() + 5
        while t.stats()["websocket"]["open"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        check(t.stats()["websocket"]["open"] == 0, "closed", t.stats()["websocket"])


def test_pubsub_delivers_to_each_subscriber(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        news = [WebSocket(t.port, "/ws/pubsub?channel=news") for _ in range(5)]
        sport = [WebSocket(t.port, "/ws/pubsub?channel=sport") for _ in range(3)]
        for i in range(20):
            check(publish(t, "news", f"n{i}")["delivered"] == 5, "5 news subscribers", i)
        check(publish(t, "sport", "goal")["delivered"] == 3, "3 sport subscribers")
        check(publish(t, "nobody", "echo?")["delivered"] == 0, "a channel without subscribers")
        for ws in news:
            got = [ws.recv()[1].decode() for _ in range(20)]
            check(got == [f"n{i}" for i in range(20)], "in order, each once", got)
        for ws in sport:
            check(ws.recv() == (TEXT, b"goal"), "sport")
        stats = t.stats()
        check(stats["pubsub"]["published"] == 22 and stats["pubsub"]["deliveries"] == 103,
              "published and delivered counts", stats["pubsub"])
        check(stats["websocket"]["messages_out"] == 103, "deliveries written", stats["websocket"])
        for ws in news + sport:
            ws.close()


def test_bad_requests_and_bad_frames(workdir):
    with harness.target(threads=1) as t:
        # Without the upgrade: 426.
        try:
            urllib.request.urlopen(t.url + "/ws/echo", timeout=10)
            check(False, "a plain GET of /ws/echo must fail")
        except urllib.error.HTTPError as e:
            check(e.code == 426, "426 Upgrade Required", e.code)
        try:
            urllib.request.urlopen(t.url + "/publish?channel=x", timeout=10)
            check(False, "GET /publish must fail")
        except urllib.error.HTTPError as e:
            check(e.code == 400, "publish needs POST", e.code)
        # Invalid UTF-8 in a text frame: 1007.
        expect_close(t, 1007, "invalid UTF-8", lambda ws: ws.send_frame(TEXT, b"\xff\xfe bad"))
        # A message over the 16 MiB limit: 1009, before the payload is read.
        expect_close(t, 1009, "an oversized frame", lambda ws: ws.sock.sendall(
            bytes([0x82, 0xFF]) + (64 * 1024 * 1024).to_bytes(8, "big") + b"\0" * 4))
        # An unmasked client frame is a protocol error: 1002.
        expect_close(t, 1002, "an unmasked frame",
                     lambda ws: ws.send_frame(TEXT, b"unmasked", mask=False))
        # The target goes on.
        ws = WebSocket(t.port, "/ws/echo")
        ws.send_text("still here")
        check(ws.recv() == (TEXT, b"still here"), "the target goes on")
        ws.close()


if __name__ == "__main__":
    main([test_echo_counts_messages, test_pubsub_delivers_to_each_subscriber,
          test_bad_requests_and_bad_frames])
