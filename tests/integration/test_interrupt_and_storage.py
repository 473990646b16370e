# SPDX-License-Identifier: Apache-2.0
"""Ctrl-C still writes the summary and the database; stored runs can be listed and shown."""
import json
import os
import resource
import signal
import sqlite3
import subprocess
import time

import harness
from harness import check, main, run, target


def signalled_run(workdir, args, signals, summary_path):
    """`stampede run ARGS --summary-json SUMMARY_PATH`, sent each (delay, signal) in turn;
    returns its exit code, stderr and the summary it wrote."""
    proc = subprocess.Popen([harness.STAMPEDE, "run"] + args + ["--summary-json", summary_path],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for delay, sig in signals:
        time.sleep(delay)
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    with open(summary_path) as f:
        return proc.returncode, err, json.load(f)


def test_ctrl_c_writes_summary_and_database(workdir):
    with target() as t:
        summary_path = os.path.join(workdir, "summary.json")
        db = os.path.join(workdir, "runs.db")
        rc, err, s = signalled_run(
            workdir, ["--url", t.url + "/delay?ms=10", "-c", "5", "-d", "60s", "--db", db],
            [(2.5, signal.SIGINT)], summary_path)
        # 105, not 0: a cancelled CI job must not look green, thresholds or not.
        check(rc == 105, "an interrupted run exits 105", (rc, err))
        check(s["status"] == "interrupted", "status", s["status"])
        check(s["requests"]["total"] > 100, "requests recorded before Ctrl-C", s["requests"])
        check(s["duration_s"] < 10, "stopped promptly", s["duration_s"])
        check(s["requests"]["total"] == t.stats()["requests"],
              "graceful stop lets requests in flight finish: counts still exact",
              (s["requests"], t.stats()))

        r = run(["runs", "--db", db], workdir, summary=False)
        check(r.returncode == 0 and "interrupted" in r.stdout and " 105" in r.stdout,
              "runs lists it with its exit code", r)
        r = run(["show", "1", "--db", db, "--json"], workdir, summary=False)
        check(r.returncode == 0, "show works", r)
        check(json.loads(r.stdout)["requests"]["total"] == s["requests"]["total"],
              "show returns the stored summary", r)
        r = run(["show", "1", "--db", db], workdir, summary=False)
        check("requests" in r.stdout and "latency" in r.stdout, "readable show", r)
        r = run(["show", "42", "--db", db], workdir, summary=False)
        check(r.returncode == 1 and "no run 42" in r.stderr, "unknown run", r)

        # Reading a database that is not there creates none.
        missing = os.path.join(workdir, "missing.db")
        r = run(["runs", "--db", missing], workdir, summary=False)
        check(r.returncode == 0 and "no runs stored in" in r.stdout, "runs without a file", r)
        r = run(["show", "1", "--db", missing], workdir, summary=False)
        check(r.returncode == 1 and "does not exist" in r.stderr, "show without a file", r)
        check(not os.path.exists(missing), "no empty database left behind", os.listdir(workdir))


def test_second_ctrl_c_aborts_but_flushes(workdir):
    with target() as t:
        summary_path = os.path.join(workdir, "summary.json")
        db = os.path.join(workdir, "runs.db")
        rc, err, s = signalled_run(
            workdir, ["--url", t.url + "/delay?ms=3000", "-c", "4", "-d", "60s", "--db", db],
            [(4.5, signal.SIGINT), (0.3, signal.SIGINT)], summary_path)
        check(rc == 105, "an aborted run exits 105 too", (rc, err))
        check(s["status"] == "aborted", "status", s)
        check(s["requests"]["total"] == 4, "the 4 responses that finished by 3 s", s["requests"])
        r = run(["show", "1", "--db", db, "--json"], workdir, summary=False)
        check(json.loads(r.stdout)["status"] == "aborted", "stored as aborted", r)


def test_sigterm_exits_105_even_when_thresholds_fail(workdir):
    """Precedence 1 > 105 > 99 > 0: a stopped run whose threshold fails still exits 105."""
    with target() as t:
        summary_path = os.path.join(workdir, "summary.json")
        rc, err, s = signalled_run(
            workdir, ["--url", t.url + "/delay?ms=10", "-c", "2", "-d", "60s", "--threshold",
                      "http.latency.p99 < 1us", "--no-db"], [(2.0, signal.SIGTERM)], summary_path)
        check(rc == 105, "SIGTERM: 105", (rc, err))
        check(s["status"] == "interrupted" and not s["thresholds"][0]["ok"],
              "the threshold failed, the summary is written", s)
        # A summary that cannot be written is a runtime failure: 1 wins over 105.
        proc = subprocess.Popen(
            [harness.STAMPEDE, "run", "--url", t.url + "/", "-c", "1", "-d", "60s", "--no-db",
             "--summary-json", os.path.join(workdir, "no-such-dir", "s.json")],
            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        check(proc.returncode == 1 and "cannot write" in err, "unwritable summary: 1",
              (proc.returncode, err))


def test_a_failing_worker_ends_the_run_with_exit_1_and_its_results(workdir):
    """A worker whose main loop throws (here: its held-connection table cannot get an epoll
    descriptor) ends the run, exit 1, the cause named, the summary printed and the run stored;
    before, the exception was swallowed and the process hung."""
    with target() as t:
        path = os.path.join(workdir, "held.yaml")
        with open(path, "w") as f:
            f.write("target: %s\nthreads: 1\nphases:\n"
                    "  - {name: held, connections: 5, hold: 1s}\n" % t.url)
        db = os.path.join(workdir, "runs.db")
        found = None
        # The descriptors open before the phase starts are the same on every run: the lowest
        # limit at which the process gets that far leaves none for the phase's epoll set.
        for limit in range(8, 64):
            def lower(n=limit):
                resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
            r = subprocess.run([harness.STAMPEDE, "run", path, "--db", db], cwd=workdir,
                               capture_output=True, text=True, timeout=30, preexec_fn=lower)
            if "epoll_create1" in r.stderr:
                found = r
                break
            check(r.returncode != 0, "a run below its descriptors' need fails", (limit, r))
        check(found is not None, "some limit reaches the phase's epoll set")
        r = found
        check(r.returncode == 1, "exit 1", r)
        check("stampede: run failed: worker 0: epoll_create1: Too many open files" in r.stderr,
              "the cause is named", r.stderr)
        check("held failed after" in r.stdout and "requests" in r.stdout,
              "the summary is printed", r.stdout)
        con = sqlite3.connect(db)
        try:
            status, code = con.execute(
                "SELECT status, exit_code FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            con.close()
        check((status, code) == ("failed", 1), "the run is stored as failed", (status, code))


if __name__ == "__main__":
    main([test_ctrl_c_writes_summary_and_database, test_second_ctrl_c_aborts_but_flushes,
          test_sigterm_exits_105_even_when_thresholds_fail,
          test_a_failing_worker_ends_the_run_with_exit_1_and_its_results])
