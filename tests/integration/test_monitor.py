# SPDX-License-Identifier: Apache-2.0
"""The system under test, monitored by a local run (`--monitor-pid`, `--monitor-process`, a
campaign's `monitor:`): the built-in target under load shows the CPU and RSS that /proc/PID/stat
read by this test says it used, a listen-queue overflow provoked on purpose shows up, the
series are stored per second, drawn in the report, sent to the outputs and usable in
thresholds."""
import json
import os
import re
import socket
import threading
import time

import browser
from harness import check, main, run, target, write
from test_report import embedded_data

HZ = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime: fields 14 and 15


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def listen_overflows():
    with open("/proc/net/netstat") as f:
        lines = [l.split() for l in f if l.startswith("TcpExt:")]
    return int(lines[1][lines[0].index("ListenOverflows")])


def test_the_targets_cpu_and_rss_agree_with_proc(workdir):
    with target(threads=1) as t:
        pid = t.proc.pid
        jsonl = os.path.join(workdir, "s.jsonl")
        report = os.path.join(workdir, "r.html")
        before = cpu_seconds(pid)
        r = run(["run", "--url", t.url + "/", "-c", "20", "-d", "4s", "-q",
                 "--monitor-pid", "web=%d" % pid, "--out", "jsonl=" + jsonl, "--report", report,
                 "--threshold", "sut.cpu.max < 1000%", "--threshold", "sut.web.rss.max < 1KiB"],
                workdir)
        used = cpu_seconds(pid) - before
        rss_now = vm_rss(pid)
    check(r.returncode == 99, "the rss threshold fails the run", r)
    check("monitor web: --pid %d" % pid in r.stderr, "says what it watches", r)
    s = r.summary
    web = s["sut"]["web"]
    check(web["pid"] == pid and web["samples"] >= 4, "one sample a second of pid", web)
    with open(report) as f:
        data = embedded_data(f.read())
    sec = data["seconds"]["sut"]["web"]
    n = len(data["seconds"]["t"])
    check(len(sec["cpu"]) == n and sec["cpu"][-1] is not None, "a cpu value each second", sec)
    # The samples cover the run's seconds, inside the test's window: their CPU is what /proc
    # says the target used, but for the moments before and after the run.
    sampled = sum(v for v in sec["cpu"] if v is not None) / 100.0
    check(used * 0.8 - 0.05 <= sampled <= used * 1.02 + 0.05,
          "sampled CPU %.3f s against %.3f s in /proc/PID/stat" % (sampled, used), sec["cpu"])
    check(web["cpu"]["max"] > 20, "the target worked for its load", web)
    check(abs(web["rss"]["max"] - rss_now) <= 0.1 * rss_now,
          "rss %d against VmRSS %d" % (web["rss"]["max"], rss_now), web)
    check(web["fds"]["max"] >= 20 and web["fd_limit"] > 0, "its descriptors: 20 connections", web)
    check(web["threads"]["max"] >= 1 and "host_cpu" in web and "tcp_inuse" in web, "host too",
          web)
    thresholds = {x["expression"]: x for x in s["thresholds"]}
    check(thresholds["sut.cpu.max < 1000%"]["ok"], "the cpu threshold passes", thresholds)
    check(not thresholds["sut.web.rss.max < 1KiB"]["ok"] and
          thresholds["sut.web.rss.max < 1KiB"]["actual"] == web["rss"]["max"],
          "the rss one fails on the peak", thresholds)
    check(re.search(r"sut.web.rss.max < 1KiB\s+actual [\d.]+ MiB", r.stdout), "in MiB", r.stdout)
    check(re.search(r"system under test\n\s+web\s+cpu max [\d.]+% mean [\d.]+% · rss max", r.stdout),
          "the summary's section", r.stdout)
    # The outputs carry the same values, second by second.
    with open(jsonl) as f:
        lines = [json.loads(l) for l in f]
    check([l["sut"]["web"]["cpu"] for l in lines if "sut" in l] ==
          [v for v in sec["cpu"] if v is not None], "jsonl has each second's sample", lines[:2])

    # Drawn: a section of its own, its charts and its table.
    with browser.Browser(height=1000) as b:
        b.open("file://" + report)
        shown = b.dom()
        b.evaluate("document.querySelector('[data-section=sut]').scrollIntoView()")
        b.screenshot(os.path.join(browser.output_dir(), "report-sut.png"))
        check(b.errors() == [], "no script errors", b.errors())
    for name in ("CPU of the system under test (% of one core)", "Memory of the system under test",
                 "Open descriptors and threads", "TCP sockets on the host"):
        check('data-chart="%s"' % name in shown, "a chart: " + name)
    check('data-table="System under test"' in shown, "the table")


def test_a_listen_queue_overflow_shows_up(workdir):
    # A server that never accepts, its queue one deep: connections past it overflow.
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(1)
    opened = []

    def knock():
        time.sleep(1.5)  # inside the run
        for _ in range(12):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(full.getsockname())
            opened.append(c)
            time.sleep(0.05)

    with target(threads=1) as t:
        before = listen_overflows()
        knocker = threading.Thread(target=knock)
        knocker.start()
        r = run(["run", "--url", t.url + "/", "-c", "4", "-d", "4s", "-q",
                 "--monitor-pid", str(t.proc.pid), "--threshold", "sut.listen_overflows == 0"],
                workdir)
        knocker.join()
        after = listen_overflows()
    for c in opened:
        c.close()
    full.close()
    check(after - before >= 1, "the kernel counted overflows", (before, after))
    check(r.returncode == 99, "the overflow threshold fails", r)
    (name, sut), = r.summary["sut"].items()
    check(name == "stampede", "named after the command", name)
    check(1 <= sut["listen_overflows"] <= after - before,
          "the run saw the overflows (%d of %d)" % (sut["listen_overflows"], after - before), sut)
    check("listen overflows %d" % sut["listen_overflows"] in r.stdout, "said", r.stdout)


def test_a_campaigns_monitor_and_a_process_name(workdir):
    with target(threads=1) as t:
        path = write(workdir, "c.yaml", """
target: %s
phases: [{name: p, duration: 2s, users: 2}]
scenarios: [{name: s, flow: [get: /]}]
monitor:
  - {pid: %d, name: web}
thresholds:
  - sut.web.cpu.mean < 10000%%
""" % (t.url, t.proc.pid))
        r = run(["run", path, "-q", "--monitor-process", "gone=no-such-command"], workdir)
    check(r.returncode == 0, "runs", r)
    check("monitor gone: no process matches --process no-such-command yet" in r.stderr,
          "an absent process is said once", r.stderr)
    check(set(r.summary["sut"]) == {"web", "gone"}, "both monitors", r.summary["sut"])
    check(r.summary["sut"]["gone"]["processes"]["max"] == 0 and
          "cpu" not in r.summary["sut"]["gone"], "nothing of a process never found",
          r.summary["sut"]["gone"])
    check(re.search(r"gone\s+no process found", r.stdout), "the summary says so", r.stdout)
    check(r.summary["thresholds"][0]["ok"], "the campaign's threshold", r.summary)


def test_a_profile_of_a_window_is_folded_stored_and_drawn(workdir):
    with target(threads=1) as t:
        report = os.path.join(workdir, "r.html")
        r = run(["run", "--url", t.url + "/", "-c", "10", "-d", "4s", "-q",
                 "--monitor-pid", "web=%d" % t.proc.pid, "--profile-sut", "2s@1s",
                 "--report", report], workdir)
    check(r.returncode == 0, "the run", r)
    m = re.search(r"profile      web: (\d+) stacks over ([\d.]+) s from ([\d.]+) s", r.stdout)
    check(m and int(m.group(1)) > 0, "the profile is said", r.stdout)
    check(float(m.group(2)) <= 2.0 and 0.9 <= float(m.group(3)) <= 1.5, "its window", m.groups())
    shown = run(["show", "1", "--folded", "--db", os.path.join(workdir, "stampede.db")], workdir,
                summary=False)
    lines = shown.stdout.splitlines()
    check(shown.returncode == 0 and len(lines) == int(m.group(1)), "show --folded", shown)
    counts = [int(l.rsplit(" ", 1)[1]) for l in lines]
    check(all(l.startswith("stampede;") for l in lines) and counts == sorted(counts, reverse=True),
          "the target's stacks, most samples first", lines[:3])
    # About 99 samples a second of a busy process: the window's worth, give or take.
    check(50 <= sum(counts) <= 2.5 * 99, "samples at 99 Hz over 2 s", sum(counts))
    with open(report) as f:
        data = embedded_data(f.read())
    (p,) = data["profiles"]
    check(p["monitor"] == "web" and sum(c for _, c in p["stacks"]) == sum(counts),
          "the page holds the stacks", p["monitor"])
    with browser.Browser(height=1000) as b:
        b.open("file://" + report)
        b.evaluate("document.querySelector('[data-flame]').scrollIntoView()")
        b.screenshot(os.path.join(browser.output_dir(), "report-flame.png"))
        cells = b.evaluate("document.querySelectorAll('[data-flame] .flame div').length")
        check(b.errors() == [], "no script errors", b.errors())
    check(cells > 5, "the flame graph is drawn", cells)

    # Without perf the run goes on, and says why once.
    with target(threads=1) as t:
        env_path = os.environ["PATH"]
        os.environ["PATH"] = "/nonexistent"
        try:
            r = run(["run", "--url", t.url + "/", "-d", "2s", "-q", "--monitor-pid",
                     str(t.proc.pid), "--profile-sut", "1s"], workdir)
        finally:
            os.environ["PATH"] = env_path
    check(r.returncode == 0 and r.stderr.count("--profile-sut: perf is not installed") == 1,
          "no perf: one message, the run goes on", r)


def test_bad_monitors_are_refused_before_the_run(workdir):
    url = "http://127.0.0.1:1/"
    for args, message in [
        (["--monitor-pid", "0"], "--monitor-pid: expected [NAME=]PID, got '0'"),
        (["--monitor-pid", "x=abc"], "--monitor-pid: expected [NAME=]PID, got 'x=abc'"),
        (["--monitor-pid", "999999999"], "--pid 999999999: no such process"),
        (["--monitor-pid", "a=1", "--monitor-process", "a=init"],
         "two monitors are named 'a'; give each its own name"),
        (["--monitor-process", "a b=init"], "monitor name 'a b': expected letters"),
        (["--threshold", "sut.web.cpu.p99 < 5%"], "unknown metric 'sut.web.cpu.p99'"),
        (["--profile-sut", "2s"], "--profile-sut records a monitored process"),
        (["--monitor-pid", "1", "--profile-sut", "soon"], "expected LENGTH[@START] like 20s@30s"),
    ]:
        r = run(["run", "--url", url, "-d", "1s", "-q"] + args, workdir)
        check(r.returncode == 2, "refused: %s" % args, r)
        check(message in r.stderr, "says: " + message, r)


if __name__ == "__main__":
    main([test_the_targets_cpu_and_rss_agree_with_proc, test_a_listen_queue_overflow_shows_up,
          test_a_campaigns_monitor_and_a_process_name,
          test_a_profile_of_a_window_is_folded_stored_and_drawn,
          test_bad_monitors_are_refused_before_the_run])
