# SPDX-License-Identifier: Apache-2.0
"""Workload models keep their schedules exactly: pace, max_users, ramps; the target never spins
when it runs out of file descriptors; doctor reports."""
import json
import os
import resource
import socket
import subprocess
import time

import harness
from harness import check, main, run, target, write


def test_pace_starts_iterations_on_a_fixed_schedule(workdir):
    with target() as t:
        path = write(workdir, "pace.yaml", """
target: %s
phases:
  - {name: paced, duration: 2s, users: 3, pace: 500ms}
scenarios:
  - name: s
    flow:
      - get: /delay?ms=50
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 0, "run failed", r)
        # Each user starts at 0, 0.5, 1.0 and 1.5 s: 4 iterations each, 12 in all.
        check(r.summary["iterations"]["started"] == 12, "paced iterations", r.summary["iterations"])
        check(t.stats()["requests"] == 12, "target saw 12", t.stats())


def test_max_users_drops_and_counts_arrivals(workdir):
    with target() as t:
        path = write(workdir, "cap.yaml", """
target: %s
phases:
  - {name: capped, duration: 2s, arrival_rate: 20, max_users: 2}
scenarios:
  - name: s
    flow:
      - get: /delay?ms=400
thresholds:
  - iterations.dropped < 1
""" % t.url)
        r = run(["run", path, "-q"], workdir)
        check(r.returncode == 99, "the dropped threshold fails", r)
        it = r.summary["iterations"]
        check(it["started"] + it["dropped"] == 40, "20/s for 2 s is 40 arrivals", it)
        check(it["dropped"] >= 25, "two slots of 400 ms cannot take 40 arrivals", it)
        check(r.summary["users"]["peak"] <= 2, "never more than max_users", r.summary["users"])


def test_target_out_of_descriptors_pauses_instead_of_spinning(workdir):
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))

    proc = subprocess.Popen([harness.STAMPEDE, "target", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=low_limit)
    try:
        line = proc.stdout.readline()
        port = int(line.split("listening on")[1].split()[0].rsplit(":", 1)[1])
        sockets = []
        for _ in range(60):
            s = socket.socket()
            s.connect(("127.0.0.1", port))
            sockets.append(s)
        time.sleep(1.5)
        with open("/proc/%d/stat" % proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        check(cpu_s < 0.5, "target spun: %.2fs CPU in 1.5s" % cpu_s)
        for s in sockets:
            s.close()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    lines = [l for l in err.splitlines() if "cannot accept" in l]
    check(1 <= len(lines) <= 3, "logged once per burst, not flooded: %d lines" % len(lines), err)


def test_doctor_reports_limits_and_fixes(workdir):
    r = run(["doctor"], workdir, summary=False)
    check(r.returncode == 0 and "open files per process" in r.stdout, "doctor", r)
    r = run(["doctor", "--json"], workdir, summary=False)
    findings = json.loads(r.stdout)
    check(any(f["name"] == "ephemeral ports" for f in findings), "ports finding", findings)
    check(all({"name", "current", "allows", "ok", "fix"} <= set(f) for f in findings), "keys",
          findings)


if __name__ == "__main__":
    main([test_pace_starts_iterations_on_a_fixed_schedule, test_max_users_drops_and_counts_arrivals,
          test_target_out_of_descriptors_pauses_instead_of_spinning,
          test_doctor_reports_limits_and_fixes])
