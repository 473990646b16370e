# SPDX-License-Identifier: Apache-2.0
"""Several hosts: the controller, three agents and the target each in their own network
namespace, joined by veth pairs to a bridge (in a namespace of its own, so the machine's
network is left alone). A campaign runs across them and the target's counts match."""
import contextlib
import json
import os
import signal
import subprocess
import time

import harness
from control_harness import wait_for
from harness import check, main, write

SUBNET = "10.231.%d.%d"
HOSTS = ["ctl", "a1", "a2", "a3", "tgt"]

CAMPAIGN = """name: across
target: http://%s:8080
threads: 1
phases:
  - name: steady
    duration: 3s
    users: 6
scenarios:
  - name: s
    flow:
      - get: /delay?ms=5
"""


def sh(*args):
    subprocess.run(list(args), check=True, capture_output=True, text=True)


@contextlib.contextmanager
def network():
    """Namespaces <tag>-<host> with addresses 10.231.N.1..5, cleaned up whatever happens."""
    tag = "st%d" % (os.getpid() % 100000)
    net = os.getpid() % 200 + 20  # one /24 per concurrent test process
    switch = tag + "-sw"
    made = []
    try:
        sh("ip", "netns", "add", switch)
        made.append(switch)
        sh("ip", "netns", "exec", switch, "ip", "link", "add", "br0", "type", "bridge")
        sh("ip", "netns", "exec", switch, "ip", "link", "set", "br0", "up")
        addresses = {}
        for i, host in enumerate(HOSTS, start=1):
            ns = "%s-%s" % (tag, host)
            sh("ip", "netns", "add", ns)
            made.append(ns)
            inside, outside = "%sh%d" % (tag, i), "%sp%d" % (tag, i)
            sh("ip", "link", "add", inside, "type", "veth", "peer", "name", outside)
            sh("ip", "link", "set", inside, "netns", ns)
            sh("ip", "link", "set", outside, "netns", switch)
            sh("ip", "netns", "exec", switch, "ip", "link", "set", outside, "master", "br0")
            sh("ip", "netns", "exec", switch, "ip", "link", "set", outside, "up")
            address = SUBNET % (net, i)
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", inside)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            addresses[host] = (ns, address)
        yield addresses
    finally:
        for ns in reversed(made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def in_ns(ns, args, **kw):
    return subprocess.Popen(["ip", "netns", "exec", ns, harness.STAMPEDE] + args, **kw)


def run_in(ns, args, workdir, timeout=60):
    return subprocess.run(["ip", "netns", "exec", ns, harness.STAMPEDE] + args, cwd=workdir,
                          capture_output=True, text=True, timeout=timeout)


def target_stats(ns, address):
    out = subprocess.run(
        ["ip", "netns", "exec", ns, "python3", "-c",
         "import urllib.request;print(urllib.request.urlopen('http://%s:8080/stats', "
         "timeout=5).read().decode())" % address],
        capture_output=True, text=True, timeout=20, check=True).stdout
    return json.loads(out)


def web_get(ns, url, ca, token_file):
    """GET url from namespace ns, verifying its TLS certificate against ca, with the token."""
    code = ("import json, ssl, urllib.request\n"
            "token = open(%r).read().strip()\n"
            "req = urllib.request.Request(%r, headers={'Authorization': 'Bearer ' + token})\n"
            "ctx = ssl.create_default_context(cafile=%r)\n"
            "print(urllib.request.urlopen(req, timeout=5, context=ctx).read().decode())\n"
            % (token_file, url, ca))
    out = subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", code],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 0, "GET " + url, out)
    return json.loads(out.stdout)


def test_a_campaign_across_namespaces(workdir):
    procs = []
    with network() as hosts:
        try:
            ctl_ns, ctl_addr = hosts["ctl"]
            tgt_ns, tgt_addr = hosts["tgt"]
            procs.append(in_ns(tgt_ns, ["target", "--listen", tgt_addr + ":8080"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
            check("listening on" in procs[-1].stdout.readline(), "the target starts")
            data = os.path.join(workdir, "ctl")
            procs.append(in_ns(ctl_ns, ["controller", "--listen", ctl_addr + ":7700",
                                        "--data", data, "--http", ctl_addr + ":8443"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
            check("listening on" in procs[-1].stdout.readline(), "the controller starts")
            flags = ["--controller", ctl_addr + ":7700", "--token-file",
                     os.path.join(data, "token"), "--ca", os.path.join(data, "ca.pem")]
            for name in ("a1", "a2", "a3"):
                procs.append(in_ns(hosts[name][0],
                                   ["agent", "--name", name, "--spool",
                                    os.path.join(workdir, name + ".spool")] + flags,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

            def registered():
                r = run_in(ctl_ns, ["agents"] + flags, workdir)
                return r.stdout.count("healthy") == 3
            check(wait_for(registered, timeout=15), "three agents register across the bridge")
            # The web UI off loopback: over TLS, with a certificate for its address from the
            # controller's CA, verified from another host.
            agents = web_get(hosts["a1"][0], "https://%s:8443/api/agents" % ctl_addr,
                             os.path.join(data, "ca.pem"), os.path.join(data, "token"))
            check(sorted(a["name"] for a in agents) == ["a1", "a2", "a3"],
                  "the web UI over verified TLS", agents)

            path = write(workdir, "across.yaml", CAMPAIGN % tgt_addr)
            r = run_in(ctl_ns, ["campaign", "add", path] + flags, workdir)
            check(r.returncode == 0, "campaign add", r)
            summary = os.path.join(workdir, "s.json")
            r = run_in(ctl_ns, ["start", "across", "--wait", "--summary-json", summary] + flags,
                       workdir)
            check(r.returncode == 0, "the run", r)
            with open(summary) as f:
                s = json.load(f)
            stats = target_stats(tgt_ns, tgt_addr)
            check(s["requests"]["total"] == stats["requests"] > 0,
                  "merged %d == target's %d" % (s["requests"]["total"], stats["requests"]))
            # Six users on three hosts: the target saw three client addresses, two
            # connections each (and counts the address and connection asking for /stats).
            check(stats["remote_addresses"] - 1 == 3, "three hosts loaded the target", stats)
            check(stats["connections_accepted"] - 1 == 6, "two connections per agent", stats)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    main([test_a_campaign_across_namespaces])
