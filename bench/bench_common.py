# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the side-by-side benchmarks: the built-in target pinned to a core, CPU
time of a generator run, medians."""
import os
import subprocess
import sys


def start_target(stampede, core, threads=1):
    """Starts `stampede target` pinned to `core`; returns (process, port)."""
    proc = subprocess.Popen(["taskset", "-c", str(core), stampede, "target", "--listen",
                             "127.0.0.1:0", "--threads", str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(line.split("listening on")[1].split()[0].rsplit(":", 1)[1])
    return proc, port


def cpu_of(cmd):
    """Runs cmd; returns (stdout, CPU seconds, user+sys, that it and its children used)."""
    before = os.times()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    if proc.returncode not in (0, 99):
        sys.exit("bench: %s failed: %s" % (" ".join(cmd), err))
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
          (after.children_system - before.children_system)
    return out, cpu


def median(values):
    values = sorted(values)
    return values[len(values) // 2]
