# SPDX-License-Identifier: Apache-2.0
"""A broken server is counted as protocol errors with a sample; stampede never crashes."""
import socket
import threading

from harness import check, main, run

RESPONSES = {
    "bad_status": b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
    "bad_chunking": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
    "huge_headers": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n",
    "early_close": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part",
    "no_answer": b"",
}


class FakeServer:
    """Answers every request on every connection with a canned (broken) response: the given
    one, or the next of a list in turn."""

    def __init__(self, response):
        self.responses = response if isinstance(response, list) else [response]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        with conn:
            buf = b""
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                    if b"\r\n\r\n" not in buf:
                        continue
                    buf = b""
                    with self.lock:
                        response = self.responses[self.requests % len(self.responses)]
                        self.requests += 1
                    conn.sendall(response)
                    # Broken framing leaves the connection unusable: close it.
                    return
            except OSError:
                return

    def close(self):
        self.running = False
        self.sock.close()


def test_each_malformation_is_a_protocol_error(workdir):
    for name, response in RESPONSES.items():
        server = FakeServer(response)
        try:
            r = run(["run", "--url", "http://127.0.0.1:%d/" % server.port, "-n", "30", "-c", "3",
                     "-t", "1", "-q"], workdir)
        finally:
            server.close()
        check(r.returncode == 0, "%s: run must finish normally" % name, r)
        s = r.summary
        check(s["requests"]["total"] == 30, "%s: 30 requests" % name, s["requests"])
        check(s["errors"].get("protocol") == 30, "%s: 30 protocol errors" % name, s["errors"])
        check(s["error_samples"]["protocol"], "%s: a sample message" % name, s)
        check(server.requests == 30, "%s: server saw %d" % (name, server.requests))


def test_different_causes_are_counted_apart(workdir):
    """One class, several causes: each distinct reason is kept with its count, in the JSON
    summary and in the terminal's; none hides behind the first sample."""
    broken = ["bad_status", "bad_chunking", "huge_headers", "early_close"]
    server = FakeServer([RESPONSES[name] for name in broken])
    try:
        r = run(["run", "--url", "http://127.0.0.1:%d/" % server.port, "-n", "40", "-c", "1",
                 "-t", "1"], workdir)
    finally:
        server.close()
    s = r.summary
    check(r.returncode == 0 and s["errors"].get("protocol") == 40, "40 protocol errors", r)
    reasons = s["error_reasons"]["protocol"]
    check(len(reasons) == 4 and sorted(reasons.values()) == [10, 10, 10, 10],
          "four reasons, ten each (one user: the server's answers in turn)", reasons)
    check(any("larger than 64 KiB" in k for k in reasons)
          and any("chunk" in k for k in reasons), "named by cause", reasons)
    for reason in reasons:
        check(reason in r.stdout, "the terminal summary shows '%s'" % reason, r.stdout)


if __name__ == "__main__":
    main([test_each_malformation_is_a_protocol_error, test_different_causes_are_counted_apart])
