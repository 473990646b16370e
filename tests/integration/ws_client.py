# SPDX-License-Identifier: Apache-2.0
"""A minimal RFC 6455 client for tests: handshake, masked frames out, frames in. It can also
send what a correct client never would (oversized or invalid frames)."""
import base64
import os
import socket
import ssl
import struct

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    pass


class WebSocket:
    def __init__(self, port, path, timeout=10, tls=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:  # wss://, certificate not verified
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("connection closed during the handshake: %r" % head)
            head += chunk
        head, _, self.pending = head.partition(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n")[0].decode()
        self.handshake = head.decode()

    def send_frame(self, opcode, payload, fin=True, mask=True):
        header = bytearray([(0x80 if fin else 0) | opcode])
        n = len(payload)
        bit = 0x80 if mask else 0
        if n < 126:
            header.append(bit | n)
        elif n < 65536:
            header.append(bit | 126)
            header += struct.pack("!H", n)
        else:
            header.append(bit | 127)
            header += struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            header += key
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + payload)

    def send_text(self, text):
        self.send_frame(TEXT, text.encode())

    def send_binary(self, data):
        self.send_frame(BINARY, data)

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed("connection closed")
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        return b0 & 0x0F, self._read(n)

    def recv(self):
        """The next data message (opcode, payload); answers pings; raises Closed with the
        close code on a close frame."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == PING:
                self.send_frame(PONG, payload)
            elif opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code)
            else:
                return opcode, payload

    def close(self, code=1000):
        try:
            self.send_frame(CLOSE, struct.pack("!H", code))
            while True:
                self.recv_frame()
        except (Closed, OSError, ValueError):
            pass
        self.sock.close()
