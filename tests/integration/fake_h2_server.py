# SPDX-License-Identifier: Apache-2.0
"""A misbehaving HTTP/2 server for tests, frames written by hand: it answers each request's
HEADERS the way `behaviour` says (a good 200, RST_STREAM, GOAWAY, garbage, floods of
SETTINGS and PING), so stampede's client can be checked against peers nghttp2 never is."""
import socket
import struct
import threading

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
STATUS_200 = b"\x88"  # HPACK: indexed field 8 of the static table, ":status: 200"


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack("!I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack("!I", stream_id) + payload


class FakeH2Server:
    """behaviour(server, conn, stream_id, index) sends the answer to the index-th request
    (counted over the server's life) on stream_id; it returns "close" to close the connection,
    "drain" to close it once the client has closed its side."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.requests = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    @staticmethod
    def read_exact(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def serve(self, conn):
        try:
            if self.read_exact(conn, len(PREFACE)) != PREFACE:
                return
            conn.sendall(frame(SETTINGS, 0, 0))
            while True:
                head = self.read_exact(conn, 9)
                length = struct.unpack("!I", b"\0" + head[:3])[0]
                kind, flags = head[3], head[4]
                stream_id = struct.unpack("!I", head[5:9])[0] & 0x7FFFFFFF
                self.read_exact(conn, length)
                if kind == SETTINGS and not flags & ACK:
                    conn.sendall(frame(SETTINGS, ACK, 0))
                elif kind == HEADERS and flags & END_STREAM:
                    with self.lock:
                        index = self.requests
                        self.requests += 1
                    outcome = self.behaviour(self, conn, stream_id, index)
                    if outcome == "close":
                        return
                    if outcome == "drain":
                        self.drain(conn)
                        return
        except (ConnectionError, OSError):
            pass
        finally:
            conn.close()

    @staticmethod
    def drain(conn):
        """Closes gracefully: a close with the client's bytes unread would send a reset, which
        may discard what was sent before it."""
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(5)
        while conn.recv(65536):
            pass

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def answer_ok(conn, stream_id):
    conn.sendall(frame(HEADERS, END_HEADERS | END_STREAM, stream_id, STATUS_200))
