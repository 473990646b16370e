# SPDX-License-Identifier: Apache-2.0
"""TLS on both sides: the target with --tls-cert/--tls-key answers HTTP/1.1 and, by ALPN, HTTP/2;
stampede's h2:// client negotiates h2 by ALPN, verifies certificates unless -k, and says so
when a server does not choose h2."""
import json
import socket
import ssl
import subprocess
import threading

import harness
from harness import check, main
from ws_client import TEXT, WebSocket


def make_certificate(workdir):
    cert, key = f"{workdir}/cert.pem", f"{workdir}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def stats_over_tls(port):
    r = subprocess.run(["curl", "-sk", f"https://127.0.0.1:{port}/stats"], capture_output=True,
                       text=True, timeout=30)
    return json.loads(r.stdout)


def test_target_speaks_h1_and_h2_over_tls(workdir):
    cert, key = make_certificate(workdir)
    with harness.target(threads=2, extra=["--tls-cert", cert, "--tls-key", key]) as t:
        for flag, version in (("--http1.1", "1.1"), ("--http2", "2")):
            r = subprocess.run(["curl", "-sk", flag, "-o", "/dev/null", "-w", "%{http_version}",
                                f"https://127.0.0.1:{t.port}/json"], capture_output=True,
                               text=True, timeout=30)
            check(r.stdout == version, f"curl {flag} gets HTTP/{version}", r)
        # Plain HTTP on a TLS port fails rather than being answered.
        r = subprocess.run(["curl", "-s", f"http://127.0.0.1:{t.port}/"], capture_output=True,
                           timeout=30)
        check(r.returncode != 0, "no plain HTTP on the TLS port", r)
        # WebSocket over TLS (wss://).
        ws = WebSocket(t.port, "/ws/echo", tls=True)
        ws.send_text("secure hello")
        check(ws.recv() == (TEXT, b"secure hello"), "wss echo")
        ws.close()
        stats = stats_over_tls(t.port)
        check(stats["requests_by_path"]["/json"] == 2, "both counted", stats)
        check(stats["websocket"]["messages_in"] == 1, "the wss message counted", stats)


def test_h2_client_over_tls(workdir):
    cert, key = make_certificate(workdir)
    with harness.target(threads=1, extra=["--tls-cert", cert, "--tls-key", key]) as t:
        before = stats_over_tls(t.port)["requests"]
        r = harness.run(["run", "--url", f"h2://127.0.0.1:{t.port}/", "-k", "-c", "2", "-m",
                         "5", "-n", "500", "-t", "1", "-q"], workdir)
        s = r.summary
        check(r.returncode == 0 and s["requests"]["ok"] == 500, "500 ok over h2 + TLS", r)
        check(s["http2"]["streams"] == 500 and s["connections"]["opened"] == 2, "2 connections",
              s)
        check(s["tls_ms"]["count"] == 2, "two TLS handshakes", s["tls_ms"])
        check(stats_over_tls(t.port)["requests"] - before == 500, "the target saw 500")
        # --h2 turns https:// into h2 by ALPN too; HTTP/1.1 over TLS still works.
        r = harness.run(["run", "--url", f"https://127.0.0.1:{t.port}/", "--h2", "-k", "-n",
                         "10", "-q"], workdir)
        check(r.summary["http2"]["streams"] == 10, "--h2 with https", r)
        r = harness.run(["run", "--url", f"https://127.0.0.1:{t.port}/", "-k", "-n", "10", "-q"],
                        workdir)
        check(r.summary["requests"]["ok"] == 10 and "http2" not in r.summary, "HTTP/1.1 + TLS", r)
        # Without -k a self-signed certificate is refused.
        r = harness.run(["run", "--url", f"h2://localhost:{t.port}/", "-n", "3", "-t", "1", "-q"],
                        workdir)
        check(r.summary["errors"].get("tls") == 3, "certificate verification fails", r)


def test_server_without_h2_is_a_tls_error(workdir):
    cert, key = make_certificate(workdir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # Offered only h2, a server that knows http/1.1 alone chooses nothing and goes on.
    context.set_alpn_protocols(["http/1.1"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        r = harness.run(["run", "--url", f"h2://127.0.0.1:{port}/", "-k", "-n", "2", "-t", "1",
                         "-q"], workdir)
        s = r.summary
        check(s["errors"]["tls"] == 2, "refused by ALPN, as TLS errors", s["errors"])
        check("did not choose HTTP/2 by ALPN (it chose no protocol)" in s["error_samples"]["tls"],
              "the message names what the server chose", s["error_samples"])
    finally:
        listener.close()


def test_bad_tls_files(workdir):
    harness.write(workdir, "junk.pem", "not a certificate\n")
    r = subprocess.run([harness.STAMPEDE, "target", "--listen", "127.0.0.1:0", "--tls-cert",
                        f"{workdir}/junk.pem", "--tls-key", f"{workdir}/junk.pem"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "junk.pem: cannot use it as a PEM certificate chain" in r.stderr,
          "a bad certificate file is named", r)


if __name__ == "__main__":
    main([test_target_speaks_h1_and_h2_over_tls, test_h2_client_over_tls,
          test_server_without_h2_is_a_tls_error, test_bad_tls_files])
