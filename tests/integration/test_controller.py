# SPDX-License-Identifier: Apache-2.0
"""The controller: credentials created once, campaigns kept across restarts, every call
authenticated over TLS."""
import os
import signal
import stat
import subprocess

import harness
from harness import check, main, run, write

MINIMAL = """target: http://127.0.0.1:8080
phases:
  - name: steady
    duration: 2s
    users: 5
scenarios:
  - name: slow
    flow:
      - get: /delay?ms=20
"""


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


def test_campaigns_survive_a_restart(workdir):
    data = os.path.join(workdir, "ctl")
    c = Controller(data)
    try:
        for name in ("token", "ca-key.pem", "server-key.pem"):
            mode = stat.S_IMODE(os.stat(os.path.join(data, name)).st_mode)
            check(mode == 0o600, "%s must be private, mode %o" % (name, mode))
        token = open(os.path.join(data, "token")).read()
        r = cli(workdir, ["ping"] + c.flags())
        check(r.returncode == 0 and "stampede 0.1.0" in r.stdout and c.address in r.stdout,
              "ping", r)
        path = write(workdir, "shop.yaml", MINIMAL)
        r = cli(workdir, ["campaign", "add", path, "--name", "shop"] + c.flags())
        check(r.returncode == 0 and "added shop: 1 phase, 1 scenario, 2s" in r.stdout, "add", r)
        r = cli(workdir, ["campaign", "add", path, "--name", "shop"] + c.flags())
        check(r.returncode == 1 and "exists" in r.stderr, "a taken name", r)
        write(workdir, "shop2.yaml", MINIMAL.replace("users: 5", "users: 7"))
        r = cli(workdir, ["campaign", "update", "shop", os.path.join(workdir, "shop2.yaml")]
                + c.flags())
        check(r.returncode == 0, "update", r)
        r = cli(workdir, ["campaign", "update", "nope", path] + c.flags())
        check(r.returncode == 1 and "no campaign named 'nope'" in r.stderr, "update unknown", r)
    finally:
        rc, _ = c.stop()
    check(rc == 0, "SIGTERM stops the controller cleanly")

    c = Controller(data)
    try:
        check(open(os.path.join(data, "token")).read() == token, "the token is kept")
        r = cli(workdir, ["campaign", "ls"] + c.flags())
        check(r.returncode == 0 and "shop: 1 phase" in r.stdout, "ls after restart", r)
        r = cli(workdir, ["campaign", "show", "shop"] + c.flags())
        check(r.returncode == 0 and "users: 7" in r.stdout, "show returns the update", r)
        r = cli(workdir, ["campaign", "rm", "shop"] + c.flags())
        check(r.returncode == 0, "rm", r)
        r = cli(workdir, ["campaign", "show", "shop"] + c.flags())
        check(r.returncode == 1 and "no campaign named 'shop'" in r.stderr, "gone", r)
    finally:
        c.stop()


def test_bad_campaigns_are_refused_with_their_line(workdir):
    c = Controller(os.path.join(workdir, "ctl"))
    try:
        path = write(workdir, "bad.yaml", MINIMAL.replace("users: 5", "users: many"))
        r = cli(workdir, ["campaign", "add", path] + c.flags())
        check(r.returncode == 2 and "bad.yaml:5: phases[0].users" in r.stderr, "local check", r)
    finally:
        c.stop()


def test_wrong_token_and_foreign_ca_are_refused(workdir):
    c = Controller(os.path.join(workdir, "a"))
    other = Controller(os.path.join(workdir, "b"))
    try:
        bad = write(workdir, "bad-token", "0" * 64 + "\n")
        r = cli(workdir, ["ping"] + c.flags(token=bad))
        check(r.returncode == 1 and "refused the token" in r.stderr, "wrong token", r)
        r = cli(workdir, ["ping"] + c.flags(ca=os.path.join(workdir, "b", "ca.pem")))
        check(r.returncode == 1 and "cannot reach the controller" in r.stderr,
              "a controller signed by another CA is not trusted", r)
        r = cli(workdir, ["ping", "--controller", c.address])
        check(r.returncode == 2 and "--token-file" in r.stderr, "missing token file", r)
        env = dict(os.environ, STAMPEDE_CONTROLLER=c.address,
                   STAMPEDE_TOKEN_FILE=os.path.join(workdir, "a", "token"),
                   STAMPEDE_CA=os.path.join(workdir, "a", "ca.pem"))
        p = subprocess.run([harness.STAMPEDE, "ping"], env=env, capture_output=True, text=True,
                           timeout=30)
        check(p.returncode == 0, "settings from the environment", p.stderr)
    finally:
        _, err = c.stop()
        other.stop()
    check("refused Ping" in err and "wrong token" in err, "refusals are logged", err)


if __name__ == "__main__":
    main([test_campaigns_survive_a_restart, test_bad_campaigns_are_refused_with_their_line,
          test_wrong_token_and_foreign_ca_are_refused])
