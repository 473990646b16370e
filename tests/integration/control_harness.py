# SPDX-License-Identifier: Apache-2.0
"""A controller and its agents as processes on loopback, for the control-plane tests."""
import os
import signal
import subprocess
import time

import harness
from harness import check, run


class Controller:
    def __init__(self, data):
        self.data = data
        self.proc = subprocess.Popen(
            [harness.STAMPEDE, "controller", "--listen", "127.0.0.1:0", "--data", data],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError("controller did not start: %r %s" % (line, self.proc.stderr.read()))
        self.address = line.split("listening on")[1].split()[0]

    def flags(self, token=None, ca=None):
        return ["--controller", self.address,
                "--token-file", token or os.path.join(self.data, "token"),
                "--ca", ca or os.path.join(self.data, "ca.pem")]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err


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
