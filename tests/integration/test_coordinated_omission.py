# SPDX-License-Identifier: Apache-2.0
"""An open model keeps its schedule while the server stalls, so the stall shows in latency."""
import threading
import time

from harness import check, main, run, target, write


def test_stalled_target_shows_in_p95(workdir):
    with target() as t:
        path = write(workdir, "open.yaml", """
target: %s
phases:
  - name: open
    duration: 6s
    arrival_rate: 500
scenarios:
  - name: ping
    flow:
      - get: /
""" % t.url)

        def stall():
            time.sleep(2.5)
            t.pause()
            time.sleep(1.0)
            t.resume()

        staller = threading.Thread(target=stall)
        staller.start()
        r = run(["run", path, "-q"], workdir)
        staller.join()
        check(r.returncode == 0, "run failed", r)
        s = r.summary
        check(s["iterations"]["started"] == 3000, "500/s for 6s is 3000 arrivals", s["iterations"])
        check(s["latency_ms"]["p95"] >= 500,
              "p95 %.1f ms hides a 1 s stall" % s["latency_ms"]["p95"], s["latency_ms"])
        check(s["requests"]["total"] == t.stats()["requests"], "counts", s["requests"])


if __name__ == "__main__":
    main([test_stalled_target_shows_in_p95])
