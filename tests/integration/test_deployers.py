# SPDX-License-Identifier: Apache-2.0
"""Deployers: `agents up --local N` / `agents down` start and stop agent processes that serve
a controller; `agents manifest --kubernetes` prints what runs them in a cluster."""
import contextlib
import json
import os
import socket
import subprocess

import harness
from control_harness import Controller, agents_table, cli, wait_for
from harness import check, main, write

CAMPAIGN = """name: local
target: %s
threads: 1
phases:
  - name: steady
    duration: 2s
    users: 4
scenarios:
  - name: s
    flow:
      - get: /
"""


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split()[2] != "Z"


def test_local_agents_up_run_and_down(workdir):
    c = Controller(os.path.join(workdir, "ctl"))
    state = os.path.join(workdir, "agents")
    try:
        with harness.target(threads=2) as t:
            r = cli(workdir, ["agents", "up", "--local", "4", "--state", state] + c.flags())
            check(r.returncode == 0 and "4 agents registered" in r.stdout, "agents up", r)
            check(agents_table(workdir, c) == {"local-%d" % i: "healthy" for i in range(1, 5)},
                  "four healthy local agents")
            with open(os.path.join(state, "agents.json")) as f:
                pids = [a["pid"] for a in json.load(f)["agents"]]
            check(len(set(pids)) == 4 and all(pid_alive(p) for p in pids),
                  "one process each", pids)

            path = write(workdir, "local.yaml", CAMPAIGN % t.url)
            check(cli(workdir, ["campaign", "add", path] + c.flags()).returncode == 0, "add")
            t.reset()
            r = cli(workdir, ["start", "local", "--wait", "--summary-json",
                              os.path.join(workdir, "s.json")] + c.flags())
            check(r.returncode == 0, "a run on the local agents", r)
            with open(os.path.join(workdir, "s.json")) as f:
                s = json.load(f)
            check(s["requests"]["total"] == t.stats()["requests"] > 0, "exact counts",
                  (s["requests"], t.stats()))

            r = cli(workdir, ["agents", "down", "--state", state])
            check(r.returncode == 0 and r.stdout.count("stopped local-") == 4, "agents down", r)
            check(wait_for(lambda: not any(pid_alive(p) for p in pids), timeout=5),
                  "the processes are gone")
            check(wait_for(lambda: set(agents_table(workdir, c).values()) == {"lost"}),
                  "the controller sees them go")
            r = cli(workdir, ["agents", "down", "--state", state])
            check(r.returncode == 0 and "no agents running" in r.stdout, "down twice", r)
    finally:
        cli(workdir, ["agents", "down", "--state", state])
        c.stop()


@contextlib.contextmanager
def loopback_sshd(workdir):
    """An sshd of our own on 127.0.0.1 accepting one key for root; yields the ssh options
    (as -o takes them) that reach it."""
    d = os.path.join(workdir, "sshd")
    os.makedirs(d)
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        os.path.join(d, key)], check=True)
    with open(os.path.join(d, "client_key.pub")) as src, \
            open(os.path.join(d, "authorized_keys"), "w") as dst:
        dst.write(src.read())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write(d, "sshd_config", "\n".join([
        "ListenAddress 127.0.0.1", "Port %d" % port,
        "HostKey " + os.path.join(d, "host_key"),
        "AuthorizedKeysFile " + os.path.join(d, "authorized_keys"),
        "PidFile " + os.path.join(d, "sshd.pid"),
        "PermitRootLogin prohibit-password", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "Subsystem sftp internal-sftp", ""]))  # scp speaks SFTP
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    options = ["Port=%d" % port, "IdentityFile=" + os.path.join(d, "client_key"),
               "UserKnownHostsFile=" + os.path.join(d, "known_hosts"),
               "StrictHostKeyChecking=accept-new", "ConnectTimeout=5"]

    def ready():
        r = subprocess.run(["ssh", "-o", "BatchMode=yes"] + sum([["-o", o] for o in options], [])
                           + ["root@127.0.0.1", "true"], capture_output=True)
        return r.returncode == 0
    try:
        if not wait_for(ready, timeout=10):
            sshd.kill()
            raise RuntimeError("sshd did not start: " + sshd.communicate()[1])
        yield options
    finally:
        if sshd.poll() is None:
            sshd.terminate()
            sshd.wait(timeout=10)


def test_agents_over_ssh_up_run_and_down(workdir):
    c = Controller(os.path.join(workdir, "ctl"))
    state = os.path.join(workdir, "agents")
    remote = os.path.join(workdir, "remote")
    try:
        with loopback_sshd(workdir) as options, harness.target(threads=2) as t:
            flags = []
            for o in options:
                flags += ["--ssh-option", o]
            r = cli(workdir, ["agents", "up", "--ssh", "root@127.0.0.1", "--per-host", "2",
                              "--remote-dir", remote, "--state", state] + flags + c.flags())
            check(r.returncode == 0 and "2 agents registered" in r.stdout, "agents up --ssh", r)
            check(os.path.exists(os.path.join(remote, "stampede")) and
                  os.path.exists(os.path.join(remote, "token")), "the binary and token copied")
            check(agents_table(workdir, c) == {"127.0.0.1-1": "healthy", "127.0.0.1-2": "healthy"},
                  "two agents named after their host")

            path = write(workdir, "local.yaml", CAMPAIGN % t.url)
            check(cli(workdir, ["campaign", "add", path] + c.flags()).returncode == 0, "add")
            t.reset()
            r = cli(workdir, ["start", "local", "--wait", "--summary-json",
                              os.path.join(workdir, "s.json")] + c.flags())
            check(r.returncode == 0, "a run on the ssh agents", r)
            with open(os.path.join(workdir, "s.json")) as f:
                s = json.load(f)
            check(s["requests"]["total"] == t.stats()["requests"] > 0, "exact counts")

            with open(os.path.join(state, "agents.json")) as f:
                pids = [a["pid"] for a in json.load(f)["agents"]]
            r = cli(workdir, ["agents", "down", "--state", state])
            check(r.returncode == 0 and r.stdout.count("on root@127.0.0.1") == 2,
                  "agents down over ssh", r)
            check(wait_for(lambda: not any(pid_alive(p) for p in pids), timeout=5),
                  "the remote processes are gone")
    finally:
        cli(workdir, ["agents", "down", "--state", state])
        c.stop()


def test_kubernetes_manifest_embeds_the_controllers_credentials(workdir):
    c = Controller(os.path.join(workdir, "ctl"))
    try:
        r = cli(workdir, ["agents", "manifest", "--kubernetes", "--replicas", "7",
                          "--image", "registry.test/stampede:0.1.0"] + c.flags())
        check(r.returncode == 0, "manifest", r)
        docs = [json.loads(d) for d in r.stdout.split("---\n") if d.strip()]
        check([d["kind"] for d in docs] == ["Secret", "Deployment"], "two objects", docs)
        with open(os.path.join(c.data, "token")) as f:
            token = f.read().strip()
        with open(os.path.join(c.data, "ca.pem")) as f:
            ca = f.read()
        check(docs[0]["stringData"] == {"token": token, "ca.pem": ca}, "the Secret", docs[0])
        check(docs[1]["spec"]["replicas"] == 7, "replicas")
        args = docs[1]["spec"]["template"]["spec"]["containers"][0]["args"]
        check(args[:3] == ["agent", "--controller", c.address], "the agent's arguments", args)
        r = cli(workdir, ["agents", "manifest", "--replicas", "2"] + c.flags())
        check(r.returncode == 2 and "--kubernetes" in r.stderr, "the kind is required", r)
    finally:
        c.stop()


if __name__ == "__main__":
    main([test_local_agents_up_run_and_down,
          test_agents_over_ssh_up_run_and_down,
          test_kubernetes_manifest_embeds_the_controllers_credentials])
