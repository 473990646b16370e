# SPDX-License-Identifier: Apache-2.0
"""The built-in target answers HTTP/2 with prior knowledge (h2c) on its HTTP/1.1 port: the same
endpoints, counted in the same /stats; checked with curl and h2load (nghttp2's client)."""
import json
import socket
import subprocess
import time

import harness
from harness import check, main


def curl(url, *extra):
    r = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-o", "-", "-w",
                        "\n%{http_code} %{http_version}"] + list(extra) + [url],
                       capture_output=True, text=True, timeout=30)
    body, _, status = r.stdout.rpartition("\n")
    return r.returncode, body, status


def test_every_endpoint_over_h2c(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        rc, body, status = curl(t.url + "/")
        check(rc == 0 and status == "200 2" and body == "stampede target\n", "GET /",
              (rc, body, status))
        rc, body, status = curl(t.url + "/bytes?n=100000")
        check(status == "200 2" and len(body) == 100000 and set(body) == {"x"}, "/bytes",
              (rc, len(body), status))
        began = time.monotonic()
        rc, body, status = curl(t.url + "/delay?ms=300")
        check(status == "200 2" and time.monotonic() - began >= 0.3, "/delay waits", status)
        rc, body, status = curl(t.url + "/echo", "-d", "hello over h2", "-H",
                                "content-type: text/x-test")
        check(status == "200 2" and body == "hello over h2", "/echo", (body, status))
        rc, body, status = curl(t.url + "/status?code=503")
        check(status == "503 2", "/status", status)
        rc, body, status = curl(t.url + "/json")
        check(json.loads(body)["user"]["id"] == 42, "/json", body)
        rc, body, status = curl(t.url + "/nope")
        check(status == "404 2", "unknown paths", status)
        rc, body, status = curl(t.url + "/stats")
        stats = json.loads(body)
        check(stats["requests"] == 7 and stats["requests_by_path"]["/delay"] == 1,
              "/stats over h2 counts the h2 requests, not itself", stats)
        # The same port still speaks HTTP/1.1.
        r = subprocess.run(["curl", "-s", "--http1.1", t.url + "/"], capture_output=True,
                           text=True, timeout=30)
        check(r.stdout == "stampede target\n", "HTTP/1.1 beside h2c", r)


def test_h2load_counts_exactly(workdir):
    with harness.target(threads=2) as t:
        t.reset()
        r = subprocess.run(["h2load", "-n", "3000", "-c", "4", "-m", "10", t.url + "/"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "3000 succeeded" in r.stdout, "h2load", r.stdout)
        stats = t.stats()
        check(stats["requests"] == 3000, "every stream counted once", stats)
        check(stats["connections_accepted"] - 1 == 4, "4 connections, 10 streams each", stats)


def test_broken_peers_do_not_hurt_the_target(workdir):
    with harness.target(threads=1) as t:
        # The preface, then garbage: nghttp2 answers with GOAWAY and the connection ends.
        with socket.create_connection(("127.0.0.1", t.port), timeout=5) as s:
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            check(b"\x07" in data[:200], "a GOAWAY frame came back", data[:64])
        # /close ends the connection without an answer, as over HTTP/1.1.
        rc, body, status = curl(t.url + "/close")
        check(rc != 0 or status.startswith("000"), "/close gets no answer", (rc, status))
        rc, body, status = curl(t.url + "/")
        check(status == "200 2", "the target goes on", status)


if __name__ == "__main__":
    main([test_every_endpoint_over_h2c, test_h2load_counts_exactly,
          test_broken_peers_do_not_hurt_the_target])
