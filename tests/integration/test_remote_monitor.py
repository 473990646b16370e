# SPDX-License-Identifier: Apache-2.0
"""`stampede monitor` on the server's host: attached to the controller with the monitor-only
token (which can do nothing else), it streams a sample a second, and a distributed run
records the target's CPU and RSS on its timeline, in its summary and its stored seconds."""
import json
import os
import signal
import subprocess
import time

import harness
from control_harness import cli, wait_for
from harness import check, main, target, write
from test_distributed_runs import add_campaign, finish, fleet, start
from test_report import embedded_data


def start_monitor(c, *args, token=None):
    return subprocess.Popen(
        [harness.STAMPEDE, "monitor"] + c.flags(token=token) + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, err


def test_a_distributed_run_records_the_monitored_target(workdir):
    with target(threads=1) as t, fleet(workdir, 2) as (c, _):
        monitor_token = os.path.join(c.data, "monitor-token")
        with open(monitor_token) as f, open(os.path.join(c.data, "token")) as g:
            check(f.read() != g.read(), "a token of its own")
        check(os.stat(monitor_token).st_mode & 0o777 == 0o600, "kept like the token")
        m = start_monitor(c, "--pid", str(t.proc.pid), "--name", "web", token=monitor_token)
        try:
            check(wait_for(lambda: "monitor 'web' attached" in c.log()), "attached", c.log())
            # A second monitor of the same name is refused, and says why.
            twin = start_monitor(c, "--pid", str(t.proc.pid), "--name", "web",
                                 token=monitor_token)
            twin.wait(timeout=20)
            rc, err = stop(twin)
            check(rc == 1 and "a monitor named 'web' is attached already" in err,
                  "a name is one monitor's", (rc, err))
            # The monitor token starts nothing and lists nothing.
            r = cli(workdir, ["agents"] + c.flags(token=monitor_token))
            check(r.returncode != 0 and "refused the token" in r.stderr, "no API with it", r)
            r = cli(workdir, ["ping"] + c.flags(token=monitor_token))
            check(r.returncode != 0, "not even a ping", r)
            bad = start_agent_with(c, monitor_token)
            bad.wait(timeout=20)
            rc, err = stop(bad)
            check(rc != 0, "no agent session either", (rc, err))

            add_campaign(workdir, c, t, "watched", duration="4s")
            before = cpu_seconds(t.proc.pid)
            proc, summary = start(workdir, c, "watched", "--wait")
            rc, out, err, s = finish(proc, summary)
            used = cpu_seconds(t.proc.pid) - before
        finally:
            rc_m, err_m = stop(m)
        check(rc_m == 0 and "attached to" in err_m, "the monitor stops on SIGTERM", (rc_m, err_m))
        check(rc == 0 and s is not None, "the run", (rc, out, err))
        web = s["sut"]["web"]
        check(web["pid"] == t.proc.pid and web["samples"] >= 3, "the monitor's samples", web)
        check(web["cpu"]["max"] > 0 and web["rss"]["max"] > 1 << 20, "CPU and RSS", web)
        check("system under test" in out and "web" in out, "in the printed summary", out)
        # Stored with each second: the seconds' CPU adds up to what /proc says it used, within
        # the second or so at each end that the samples may not line up with the run.
        run_id = out.splitlines()[0].strip()
        report = os.path.join(workdir, "r.html")
        r = cli(workdir, ["report", run_id, "-o", report] + c.flags())
        check(r.returncode == 0, "report", r)
        with open(report) as f:
            data = embedded_data(f.read())
        cpu = data["seconds"]["sut"]["web"]["cpu"]
        sampled = sum(v for v in cpu if v is not None) / 100.0
        check(used * 0.5 - 0.1 <= sampled <= used * 1.1 + 0.1,
              "sampled %.3f s of CPU against %.3f s in /proc" % (sampled, used), cpu)
        check(sum(1 for v in cpu if v is not None) >= len(cpu) - 2, "a value most seconds", cpu)

        # A campaign's own monitor: watches a process of the controller's host, beside those
        # attached from elsewhere (none now).
        path = write(workdir, "near.yaml", NEAR % (t.url, t.proc.pid))
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 0, "campaign add", r)
        proc, summary = start(workdir, c, "near", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and set(s["sut"]) == {"near"} and s["sut"]["near"]["pid"] == t.proc.pid,
              "the campaign's monitor, sampled by the controller", (rc, err, s and s.get("sut")))


NEAR = """name: near
target: %s
phases: [{name: p, duration: 2s, users: 2}]
scenarios: [{name: s, flow: [get: /]}]
monitor: [{pid: %d, name: near}]
"""


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_agent_with(c, token):
    return subprocess.Popen([harness.STAMPEDE, "agent", "--name", "sneaky"] + c.flags(token=token),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_monitor_flags_are_checked(workdir):
    r = harness.run(["monitor", "--controller", "127.0.0.1:1", "--token-file", "x", "--ca", "y"],
                    workdir, summary=False)
    check(r.returncode == 2 and "give what to watch: --pid, --process or --cgroup" in r.stderr,
          "nothing to watch", r)
    r = harness.run(["monitor", "--pid", "1", "--process", "x", "--controller", "127.0.0.1:1",
                     "--token-file", "x", "--ca", "y"], workdir, summary=False)
    check(r.returncode == 2, "two things to watch", r)
    r = harness.run(["monitor", "--pid", "999999999", "--controller", "127.0.0.1:1",
                     "--token-file", "x", "--ca", "y"], workdir, summary=False)
    check(r.returncode == 2 and "no such process" in r.stderr, "a pid that runs nothing", r)
    r = harness.run(["monitor", "--process", "x", "--controller", "127.0.0.1:1",
                     "--token-file", os.path.join(workdir, "none"), "--ca", "y"], workdir,
                    summary=False)
    check(r.returncode == 1 and "none" in r.stderr, "a token file missing is named", r)


if __name__ == "__main__":
    main([test_a_distributed_run_records_the_monitored_target, test_monitor_flags_are_checked])
