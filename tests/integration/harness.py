# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for stampede's integration tests: real processes on loopback.

Each test script is run by ctest as `python3 test_x.py --stampede PATH`. Helpers start the
built-in target on an ephemeral port, run stampede, and read the target's /stats oracle.
"""
import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

STAMPEDE = None


def parse_args():
    global STAMPEDE
    parser = argparse.ArgumentParser()
    parser.add_argument("--stampede", required=True)
    args = parser.parse_args()
    STAMPEDE = os.path.abspath(args.stampede)
    return args


class Target:
    """The built-in target server, started on 127.0.0.1 with an ephemeral port."""

    def __init__(self, threads=1, extra=()):
        self.proc = subprocess.Popen(
            [STAMPEDE, "target", "--listen", "127.0.0.1:0", "--threads", str(threads)] +
            list(extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError("target did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(line.split("listening on")[1].split()[0].rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats", timeout=5) as r:
            return json.loads(r.read())

    def reset(self):
        req = urllib.request.Request(self.url + "/stats/reset", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def target(threads=1, extra=()):
    t = Target(threads, extra)
    try:
        yield t
    finally:
        t.stop()


class Result:
    def __init__(self, proc, stdout, stderr, summary):
        self.returncode = proc.returncode
        self.stdout = stdout
        self.stderr = stderr
        self.summary = summary

    def __repr__(self):
        return "exit %d\nstdout:\n%s\nstderr:\n%s" % (self.returncode, self.stdout, self.stderr)


def run(args, workdir, timeout=120, summary=True):
    """Runs `stampede ARGS` in workdir; returns exit code, output and the JSON summary."""
    summary_path = os.path.join(workdir, "summary.json")
    if os.path.exists(summary_path):
        os.remove(summary_path)
    cmd = [STAMPEDE] + list(args)
    if summary and args and args[0] == "run":
        cmd += ["--summary-json", summary_path, "--db", os.path.join(workdir, "stampede.db")]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    data = None
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            data = json.load(f)
    return Result(proc, proc.stdout, proc.stderr, data)


def write(workdir, name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check(condition, message, context=None):
    if not condition:
        raise AssertionError(message + ("\n" + repr(context) if context is not None else ""))


def main(tests):
    """Runs each test function with a fresh temporary directory; prints a closing line."""
    parse_args()
    passed = failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory(prefix="stampede-it-") as workdir:
            started = time.monotonic()
            try:
                test(workdir)
                passed += 1
                print("ok    %s (%.1fs)" % (test.__name__, time.monotonic() - started), flush=True)
            except Exception:
                failed += 1
                print("FAIL  %s" % test.__name__, flush=True)
                traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
