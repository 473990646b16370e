# SPDX-License-Identifier: Apache-2.0
"""Ctrl-C still writes the summary and the database; stored runs can be listed and shown."""
import json
import os
import signal
import subprocess
import time

import harness
from harness import check, main, run, target


def test_ctrl_c_writes_summary_and_database(workdir):
    with target() as t:
        summary_path = os.path.join(workdir, "summary.json")
        db = os.path.join(workdir, "runs.db")
        proc = subprocess.Popen(
            [harness.STAMPEDE, "run", "--url", t.url + "/delay?ms=10", "-c", "5", "-d", "60s",
             "--summary-json", summary_path, "--db", db],
            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        check(proc.returncode == 0, "interrupted run exits 0 (no thresholds)", (out, err))
        with open(summary_path) as f:
            s = json.load(f)
        check(s["status"] == "interrupted", "status", s["status"])
        check(s["requests"]["total"] > 100, "requests recorded before Ctrl-C", s["requests"])
        check(s["duration_s"] < 10, "stopped promptly", s["duration_s"])
        check(s["requests"]["total"] == t.stats()["requests"],
              "graceful stop lets requests in flight finish: counts still exact",
              (s["requests"], t.stats()))

        r = run(["runs", "--db", db], workdir, summary=False)
        check(r.returncode == 0 and "interrupted" in r.stdout, "runs lists it", r)
        r = run(["show", "1", "--db", db, "--json"], workdir, summary=False)
        check(r.returncode == 0, "show works", r)
        check(json.loads(r.stdout)["requests"]["total"] == s["requests"]["total"],
              "show returns the stored summary", r)
        r = run(["show", "1", "--db", db], workdir, summary=False)
        check("requests" in r.stdout and "latency" in r.stdout, "readable show", r)
        r = run(["show", "42", "--db", db], workdir, summary=False)
        check(r.returncode == 1 and "no run 42" in r.stderr, "unknown run", r)


def test_second_ctrl_c_aborts_but_flushes(workdir):
    with target() as t:
        summary_path = os.path.join(workdir, "summary.json")
        db = os.path.join(workdir, "runs.db")
        proc = subprocess.Popen(
            [harness.STAMPEDE, "run", "--url", t.url + "/delay?ms=3000", "-c", "4", "-d", "60s",
             "--summary-json", summary_path, "--db", db],
            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4.5)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        with open(summary_path) as f:
            s = json.load(f)
        check(s["status"] == "aborted", "status", s)
        check(s["requests"]["total"] == 4, "the 4 responses that finished by 3 s", s["requests"])
        r = run(["show", "1", "--db", db, "--json"], workdir, summary=False)
        check(json.loads(r.stdout)["status"] == "aborted", "stored as aborted", r)


if __name__ == "__main__":
    main([test_ctrl_c_writes_summary_and_database, test_second_ctrl_c_aborts_but_flushes])
