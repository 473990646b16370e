# SPDX-License-Identifier: Apache-2.0
"""A controller and its agents as processes on loopback, for the control-plane tests."""
import os
import signal
import subprocess
import time

import harness
from harness import check, run


class Controller:
    """`stampede controller` on loopback; its log goes to DATA.log (a pipe nobody reads while
    it runs could fill up and stall it)."""

    def __init__(self, data, listen="127.0.0.1:0", *extra, env=None):
        self.data = data
        self.log_path = data.rstrip("/") + ".log"
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [harness.STAMPEDE, "controller", "--listen", listen, "--data", data] + list(extra),
            stdout=subprocess.PIPE, stderr=log, text=True,
            env=None if env is None else dict(os.environ, **env))
        log.close()
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError("controller did not start: %r %s" % (line, self.log()))
        self.address = line.split("listening on")[1].split()[0]

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def kill(self):
        """SIGKILL: no chance to tidy up."""
        self.proc.kill()
        self.proc.communicate(timeout=20)

    def flags(self, token=None, ca=None):
        return ["--controller", self.address,
                "--token-file", token or os.path.join(self.data, "token"),
                "--ca", ca or os.path.join(self.data, "ca.pem")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.communicate(timeout=20)
        return self.proc.returncode, self.log()


def cli(workdir, args):
    return run(args, workdir, summary=False)


def agents_table(workdir, c):
    r = cli(workdir, ["agents"] + c.flags())
    check(r.returncode == 0, "agents", r)
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        fields = line.split()
        rows[fields[0]] = fields[1]
    return rows


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def start_agent(c, name, *extra):
    return subprocess.Popen([harness.STAMPEDE, "agent", "--name", name] + c.flags() + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
