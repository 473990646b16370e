# SPDX-License-Identifier: Apache-2.0
"""Connections phases: held connections counted against what the target saw (open connections
during the hold, keep-alive pings), connections the server closes counted as drops, refused
connects counted as failures; held WebSockets (upgrade, ping frames, the server's pings and
close); held HTTP/2 connections (preface, PING frames, the server's SETTINGS, PING and
GOAWAY)."""
import json
import os
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import check, main


def run_in_background(args, workdir):
    result = {}
    thread = threading.Thread(target=lambda: result.update(r=harness.run(args, workdir)))
    thread.start()
    return thread, result


def serve_in_background(serve):
    """A listening socket on 127.0.0.1 whose connections serve(listener) handles in a thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    return listener


def hold_with_target(t, workdir, target, phase, sample_after, extra=""):
    """Runs the one connections phase `phase` (YAML flow mapping) against `target` over two
    threads, in the background; returns the run and the built-in target `t`'s stats taken
    `sample_after` seconds in (mid-hold)."""
    t.reset()
    path = harness.write(workdir, "held.yaml", f"""
target: {target}
threads: 2
phases:
  - {phase}
{extra}""")
    thread, result = run_in_background(["run", path, "-q"], workdir)
    time.sleep(sample_after)
    during = t.stats()
    thread.join()
    return result["r"], during


def hold_against_server(serve, workdir, phase, scheme="http"):
    """Runs the one connections phase `phase` (YAML flow mapping) on one thread against a
    listening socket that serve(listener) handles in the background; returns the summary."""
    listener = serve_in_background(serve)
    try:
        path = harness.write(workdir, "hold.yaml", f"""
target: {scheme}://127.0.0.1:{listener.getsockname()[1]}
threads: 1
phases:
  - {phase}
""")
        return harness.run(["run", path, "-q"], workdir).summary
    finally:
        listener.close()


def receive_at_least(conn, data, n):
    """`data` and what `conn` sends next, until there are at least `n` bytes."""
    while len(data) < n:
        data += conn.recv(4096)
    return data


def test_held_connections_and_pings(workdir):
    with harness.target(threads=2) as t:
        # Every connection is up by 2 s; the hold lasts until 5 s.
        r, during = hold_with_target(
            t, workdir, t.url,
            "{name: hold, connections: 2000, connect_rate: 1000, hold: 3s, ping: 1s, "
            "ping_path: /json}", 3.5,
            "thresholds:\n  - connections.held == 2000\n  - connections.failed == 0\n")
        s = r.summary
        check(r.returncode == 0 and s["errors"] == {}, "clean run, thresholds pass", r)
        c = s["connections"]
        check(c["established"] == 2000 and c["held"] == 2000 and c["failed"] == 0 and
              c["dropped"] == 0 and c["peak"] == 2000, "all 2000 established and held", c)
        # The /stats request is a connection of its own.
        check(during["connections_open"] == 2001, "the target held them all mid-hold", during)
        # Two seconds of connects: a whole one at the asked rate, or two partial ones.
        check(800 <= c["connect_rate"] <= 1200, "the asked connect rate", c)
        after = t.stats()
        # Every answered ping is counted; the hold's end closes the connections at once, so
        # pings still in flight then reached the target without an answer (a few dozen at
        # 2,000 pings a second on a busy machine).
        cut = after["requests_by_path"].get("/json", 0) - s["requests"]["total"]
        check(0 <= cut <= 100 and s["requests"]["total"] >= 2 * 2000,
              "each connection pinged about once a second, every answered ping counted",
              (after["requests_by_path"], s["requests"]))
        check(s["status_codes"] == {"200": s["requests"]["total"]}, "pings answered", s)
        check(s["connect_ms"]["count"] == 2000, "a connect time per connection", s["connect_ms"])
        # Two workers, each on its own source address of 127.0.0.0/8 (the stats client is a
        # third).
        check(after["remote_addresses"] == 3, "a source address per worker", after)


def test_drops_and_failed_connects(workdir):
    accepted = []

    def serve(listener):
        # Accepts 100 connections, then closes every other one while the hold goes on.
        while len(accepted) < 100:
            accepted.append(listener.accept()[0])
        time.sleep(0.5)
        for conn in accepted[::2]:
            conn.close()

    try:
        s = hold_against_server(serve, workdir, "{name: hold, connections: 100, hold: 2s}")
        c = s["connections"]
        check(c["established"] == 100 and c["dropped"] == 50 and c["held"] == 50,
              "50 closed by the server during the hold, 50 held", c)
        check(s["errors"] == {"reset": 50} and "the server closed a held connection" in
              s["error_samples"]["reset"], "drops counted as resets", s)
    finally:
        for conn in accepted:
            conn.close()

    # A port nothing listens on: every connect is refused.
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    path = harness.write(workdir, "refused.yaml", f"""
target: http://127.0.0.1:{port}
phases:
  - {{name: hold, connections: 100, hold: 2s}}
""")
    r = harness.run(["run", path, "-q"], workdir)
    c = r.summary["connections"]
    check(c["established"] == 0 and c["failed"] == 100 and c["held"] == 0,
          "refused connects are failures", c)
    check(r.summary["errors"] == {"refused": 100}, "by cause", r.summary["errors"])


def test_more_connections_than_one_process_may_open(workdir):
    # 25,000 connections: over the 20,000 open files one process may have here, on both sides.
    with harness.target(threads=1, extra=["--processes", "2"]) as t:
        path = harness.write(workdir, "c25k.yaml", f"""
target: {t.url}
phases:
  - {{name: hold, connections: 25000, connect_rate: 10000, hold: 3s}}
""")
        thread, result = run_in_background(["run", path, "--processes", "auto"], workdir)
        time.sleep(4)  # all up by 2.5 s; the hold lasts until 5.5 s
        during = t.stats()
        thread.join()
        r = result["r"]
        c = r.summary["connections"]
        check(r.returncode == 0 and r.summary["errors"] == {} and not r.summary["degraded"],
              "clean run", r)
        check("in 2 processes" in r.stderr, "split over two processes by itself", r.stderr)
        check(c["established"] == 25000 and c["held"] == 25000 and c["peak"] == 25000,
              "every connection established and held", c)
        check(during["connections_open"] == 25001 and during["connections_accepted"] == 25001,
              "both target processes together held them all, counted once", during)


def two_worker_processes(t, workdir, duration, args, **popen):
    """Starts a run of 4 users for `duration` against the target over `--processes 2`; returns
    the run's process and, a second in, its two worker processes."""
    path = harness.write(workdir, "workers.yaml", f"""
target: {t.url}
phases:
  - {{name: main, duration: {duration}, users: 4}}
scenarios:
  - name: s
    flow:
      - get: /delay?ms=10
""")
    proc = subprocess.Popen([harness.STAMPEDE, "run", path, "--processes", "2", "-t", "2"] + args,
                            cwd=workdir, **popen)
    time.sleep(1.2)
    children = [int(p) for p in subprocess.run(
        ["ps", "--ppid", str(proc.pid), "-o", "pid="], capture_output=True,
        text=True).stdout.split()]
    check(len(children) == 2, "two worker processes", children)
    return proc, children


def test_a_worker_process_that_dies(workdir):
    with harness.target(threads=1) as t:
        proc, children = two_worker_processes(
            t, workdir, "3s", ["--no-db", "--summary-json", workdir + "/s.json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.kill(children[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        with open(workdir + "/s.json") as f:
            s = json.load(f)
        check(s["degraded"] and "ended (killed by signal 9)" in s["events"][0],
              "the loss is in the summary", s["events"])
        check("worker process" in err and proc.returncode in (0, 99), "said, and the run ended",
              (proc.returncode, err))
        check(s["requests"]["total"] > 0, "the other process's requests counted", s["requests"])


def test_worker_processes_keep_only_their_pipes(workdir):
    with harness.target(threads=1) as t:
        db = os.path.join(workdir, "results.db")
        proc, children = two_worker_processes(t, workdir, "2s", ["--db", db, "-q"],
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)
        held = {c: [os.readlink("/proc/%d/fd/%s" % (c, fd))
                    for fd in os.listdir("/proc/%d/fd" % c)] for c in children}
        check(proc.wait(timeout=30) == 0, "the run ends well")
        for targets in held.values():
            check(not any(t.startswith(db) for t in targets),
                  "a worker process does not hold the results database", targets)
            check(sum(t.startswith("pipe:") for t in targets) == 2,
                  "its two pipes to the parent, no one else's", targets)


def hold_a_thousand_with_pings(t, workdir, target, extra=""):
    """1000 connections to `target` held 2 s with a ping every 300 ms; checks they were all
    held and every ping answered; returns the summary and the target's stats mid-hold."""
    # All up by 0.5 s; the hold lasts until 2.5 s.
    r, during = hold_with_target(
        t, workdir, target,
        f"{{name: held, connections: 1000, connect_rate: 2000, hold: 2s, ping: 300ms{extra}}}", 1.8)
    s = r.summary
    check(r.returncode == 0 and s["errors"] == {}, "clean run", r)
    c = s["connections"]
    check(c["established"] == 1000 and c["held"] == 1000 and c["dropped"] == 0,
          "all 1000 established and held", c)
    check(during["connections_open"] == 1001, "the target held them all mid-hold", during)
    # A ping every 300 ms over about 2 s: five or six per connection.
    check(s["requests"]["failed"] == 0 and 4000 <= s["requests"]["total"] <= 7000,
          "pings answered", s["requests"])
    return s, during


def test_held_websockets(workdir):
    with harness.target(threads=2) as t:
        s, during = hold_a_thousand_with_pings(t, workdir, t.url, ", websocket: /ws/echo")
        check(during["websocket"]["open"] == 1000, "the target held 1000 WebSockets mid-hold",
              during["websocket"])
        check(s["websocket"]["opened"] == 1000, "counted as WebSockets opened", s["websocket"])
        check(s["status_codes"] == {}, "pongs have no status", s["status_codes"])

        refused = harness.write(workdir, "refused.yaml", f"""
target: {t.url}
threads: 1
phases:
  - {{name: comet, connections: 50, hold: 500ms, websocket: /json}}
""")
        s = harness.run(["run", refused, "-q"], workdir).summary
        check(s["connections"]["failed"] == 50 and s["errors"] == {"http_status": 50},
              "an upgrade answered 200 fails the connect", (s["connections"], s["errors"]))
        check("answered 200, not 101" in s["error_samples"]["http_status"], "named",
              s["error_samples"])


def test_held_websocket_answers_pings_and_sees_close(workdir):
    pongs = []

    def serve(listener):
        conn = listener.accept()[0]
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"
                     b"\x89\x02hi")  # a ping right behind the answer
        frame = receive_at_least(conn, b"", 8)
        mask = frame[2:6]
        pongs.append((frame[0], frame[1], bytes(b ^ mask[k % 4] for k, b in
                                                 enumerate(frame[6:8]))))
        conn.sendall(b"\x88\x02\x03\xe9")  # close, 1001 going away
        time.sleep(1)
        conn.close()

    s = hold_against_server(serve, workdir,
                            "{name: comet, connections: 1, hold: 1s, websocket: /feed}")
    check(pongs == [(0x8A, 0x82, b"hi")], "a masked pong carrying the ping's payload", pongs)
    c = s["connections"]
    check(c["established"] == 1 and c["dropped"] == 1 and c["held"] == 0,
          "the close is a drop", c)
    check("close code 1001" in s["error_samples"]["reset"], "the close code named",
          s["error_samples"])


def test_held_http2_connections(workdir):
    with harness.target(threads=2) as t:
        s, during = hold_a_thousand_with_pings(t, workdir, t.url.replace("http://", "h2c://"))
        check(during["requests"] == 0, "no request was made, only frames", during)
        check(s["status_codes"] == {}, "PING ACKs have no status", s["status_codes"])


def test_held_http2_connection_acknowledges_and_sees_goaway(workdir):
    received = []

    def serve(listener):
        conn = listener.accept()[0]
        data = receive_at_least(conn, b"", 24 + 9)  # the preface and the client's SETTINGS
        received.append(data[:24 + 9])
        conn.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # SETTINGS
                     b"\x00\x00\x08\x06\x00\x00\x00\x00\x0012345678")  # PING
        data = receive_at_least(conn, data[24 + 9:], 9 + 17)  # SETTINGS ACK, PING ACK
        received.append(data[:9 + 17])
        conn.sendall(b"\x00\x00\x08\x07\x00\x00\x00\x00\x00"  # GOAWAY, ENHANCE_YOUR_CALM
                     b"\x00\x00\x00\x00\x00\x00\x00\x0b")
        time.sleep(1)
        conn.close()

    s = hold_against_server(serve, workdir, "{name: spdy, connections: 1, hold: 1s}", "h2c")
    check(received[0] == b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00"
          b"\x00\x00\x00\x00", "the preface and an empty SETTINGS", received)
    check(received[1] == b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"
          b"\x00\x00\x08\x06\x01\x00\x00\x00\x0012345678",
          "SETTINGS acknowledged, the PING answered with its payload", received)
    c = s["connections"]
    check(c["established"] == 1 and c["dropped"] == 1 and c["held"] == 0,
          "the GOAWAY is a drop", c)
    check("GOAWAY" in s["error_samples"]["reset"] and "error code 11" in
          s["error_samples"]["reset"], "the error code named", s["error_samples"])


def test_held_http2_connection_drops_on_a_malformed_ping(workdir):
    # Established by the server's SETTINGS, then a PING of 5 bytes (RFC 9113: exactly 8): a
    # protocol error that ends the connection, never a crash.
    def serve(listener):
        conn = listener.accept()[0]
        receive_at_least(conn, b"", 24 + 9)
        conn.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # SETTINGS
        time.sleep(0.2)
        conn.sendall(b"\x00\x00\x05\x06\x00\x00\x00\x00\x00hello")
        time.sleep(1.5)
        conn.close()

    s = hold_against_server(serve, workdir, "{name: spdy, connections: 1, hold: 1s}", "h2c")
    c = s["connections"]
    check(c["established"] == 1 and c["dropped"] == 1 and c["held"] == 0,
          "established, then dropped", c)
    check(s["errors"] == {"protocol": 1} and "not 8 bytes long" in s["error_samples"]["protocol"],
          "a named protocol error", (s["errors"], s["error_samples"]))


def test_handshakes_without_an_answer_fail_the_connect(workdir):
    # A listening socket nobody accepts from: connects complete, nothing is ever said back.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    try:
        port = silent.getsockname()[1]
        for scheme, extra, what in (("http", ", websocket: /feed", "WebSocket upgrade"),
                                    ("h2c", "", "HTTP/2 preface")):
            path = harness.write(workdir, "silent.yaml", f"""
target: {scheme}://127.0.0.1:{port}
threads: 1
defaults: {{connect_timeout: 500ms}}
phases:
  - {{name: held, connections: 3, hold: 1s{extra}}}
""")
            s = harness.run(["run", path, "-q"], workdir).summary
            c = s["connections"]
            check(c["established"] == 0 and c["failed"] == 3 and
                  s["errors"] == {"connect_timeout": 3}, "unanswered handshakes fail", (c, s))
            check("no answer to the " + what in s["error_samples"]["connect_timeout"],
                  "named", s["error_samples"])
    finally:
        silent.close()


def test_bad_connections_phase(workdir):
    path = harness.write(workdir, "bad.yaml", """
target: https://127.0.0.1:1
phases:
  - {name: hold, connections: 10, hold: 1s}
""")
    r = harness.run(["validate", path], workdir)
    check(r.returncode == 2 and "bad.yaml:4: phases[0]: a connections phase holds plain TCP "
          "connections (HTTP/1.1, or HTTP/2 with h2c://): the target must be http:// or h2c://"
          in r.stderr, "TLS targets refused", r)


if __name__ == "__main__":
    main([test_held_connections_and_pings, test_drops_and_failed_connects,
          test_more_connections_than_one_process_may_open, test_a_worker_process_that_dies,
          test_worker_processes_keep_only_their_pipes,
          test_held_websockets, test_held_websocket_answers_pings_and_sees_close,
          test_held_http2_connections, test_held_http2_connection_acknowledges_and_sees_goaway,
          test_held_http2_connection_drops_on_a_malformed_ping,
          test_handshakes_without_an_answer_fail_the_connect, test_bad_connections_phase])
