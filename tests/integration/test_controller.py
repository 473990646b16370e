# SPDX-License-Identifier: Apache-2.0
"""The controller: credentials created once, campaigns kept across restarts, every call
authenticated over TLS."""
import json
import os
import signal
import sqlite3
import stat
import subprocess

import harness
from control_harness import Controller, agents_table, cli, start_agent, wait_for
from harness import check, main, write

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


def test_agents_register_heartbeat_and_are_seen_lost(workdir):
    import time
    c = Controller(os.path.join(workdir, "ctl"))
    agents = []
    try:
        agents = [start_agent(c, "a1"), start_agent(c, "a2"), start_agent(c, "a3")]
        check(wait_for(lambda: agents_table(workdir, c) ==
                       {"a1": "healthy", "a2": "healthy", "a3": "healthy"}),
              "three healthy agents", agents_table(workdir, c))
        r = cli(workdir, ["ping"] + c.flags())
        check("3 agents registered" in r.stdout, "ping counts agents", r)

        # kill -9: the connection drops, the agent is lost at once.
        agents[0].kill()
        agents[0].wait()
        started = time.monotonic()
        check(wait_for(lambda: agents_table(workdir, c).get("a1") == "lost", 3.0),
              "a killed agent is seen lost within 3 s", agents_table(workdir, c))
        # SIGSTOP: the connection stays, heartbeats stop; lost once they are 3 s old.
        os.kill(agents[1].pid, signal.SIGSTOP)
        check(wait_for(lambda: agents_table(workdir, c).get("a2") == "lost", 5.0),
              "a paused agent is seen lost", agents_table(workdir, c))
        os.kill(agents[1].pid, signal.SIGCONT)
        check(wait_for(lambda: agents_table(workdir, c).get("a2") == "healthy", 5.0),
              "a resumed agent is healthy again", agents_table(workdir, c))
        check(agents_table(workdir, c)["a3"] == "healthy", "the others are unaffected")

        # The same name twice is refused while the first is healthy.
        dup = start_agent(c, "a3")
        out, err = dup.communicate(timeout=20)
        check(dup.returncode == 1 and "already connected" in err, "duplicate name", err)
        # An agent of another protocol version is refused with a clear message.
        skew = start_agent(c, "old", "--protocol-version", "99")
        out, err = skew.communicate(timeout=20)
        check(skew.returncode == 1 and "version mismatch" in err, "version skew", err)
        # A wrong token ends the agent with a clear message.
        bad = write(workdir, "bad-token", "1" * 64)
        wrong = subprocess.run([harness.STAMPEDE, "agent", "--name", "w"] + c.flags(token=bad),
                               capture_output=True, text=True, timeout=20)
        check(wrong.returncode == 1 and "refused the token" in wrong.stderr, "bad token",
              wrong.stderr)
    finally:
        for a in agents:
            if a.poll() is None:
                os.kill(a.pid, signal.SIGCONT)
                a.terminate()
                a.wait(timeout=10)
        _, err = c.stop()
    check("agent 'a1' connected" in err, "connections are logged", err)

    # Agents seen are kept: after a restart they are listed as lost until they return.
    c = Controller(os.path.join(workdir, "ctl"))
    try:
        rows = agents_table(workdir, c)
        check(rows.get("a1") == "lost" and rows.get("a3") == "lost", "remembered agents", rows)
    finally:
        c.stop()


def test_agent_reconnects_after_a_controller_restart(workdir):
    data = os.path.join(workdir, "ctl")
    c = Controller(data)
    address = c.address
    agent = start_agent(c, "steady")
    try:
        check(wait_for(lambda: agents_table(workdir, c).get("steady") == "healthy"), "up")
        c.stop()
        # Same port again, so the agent's address stays valid.
        proc = subprocess.Popen(
            [harness.STAMPEDE, "controller", "--listen", address, "--data", data],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.readline()
        c.proc = proc
        check(wait_for(lambda: agents_table(workdir, c).get("steady") == "healthy", 10.0),
              "the agent came back by itself", agents_table(workdir, c))
    finally:
        agent.terminate()
        agent.wait(timeout=10)
        c.stop()
    check(agent.returncode == 0, "SIGTERM stops an agent cleanly")


def test_a_damaged_run_state_fails_that_run_not_the_controller(workdir):
    """Run states a restarted controller cannot trust (unparsable, fields missing, agents'
    workers outside the run, unknown states) end their run as failed with a message naming
    the database; the controller itself starts and serves."""
    data = os.path.join(workdir, "ctl")
    c = Controller(data)
    c.stop()
    good = {"campaign": "x", "command": "stampede start x", "source_file": "x.yaml",
            "total_workers": 2, "started_at_ms": 1, "start_at_ms": 2, "deadline_ms": 3,
            "status": "running", "stop_sent": False, "degraded": False, "events": [],
            "members": [{"name": "a1", "first_worker": 0, "workers": 2, "state": "running",
                         "told_to_stop": False, "handed_over_at": -1}]}
    outside = json.loads(json.dumps(good))
    outside["members"][0]["first_worker"] = 5
    unknown = json.loads(json.dumps(good))
    unknown["members"][0]["state"] = "dancing"
    missing = dict(good)
    del missing["members"]
    states = ["{not json", json.dumps(missing), json.dumps(outside), json.dumps(unknown)]
    db = sqlite3.connect(os.path.join(data, "stampede.db"))
    try:
        ids = []
        for state in states:
            cur = db.execute("INSERT INTO runs (name, command, campaign_text, started_at_ms, "
                             "status) VALUES ('x', 'start x', ?, 1, 'running')", (MINIMAL,))
            ids.append(cur.lastrowid)
            db.execute("INSERT INTO run_control (run_id, state_json) VALUES (?, ?)",
                       (cur.lastrowid, state))
        db.commit()
    finally:
        db.close()
    c = Controller(data)
    try:
        r = cli(workdir, ["ping"] + c.flags())
        check(r.returncode == 0, "the controller serves", r)
        r = cli(workdir, ["runs"] + c.flags())
        rows = r.stdout.splitlines()[1:]
        check(r.returncode == 0 and len(rows) == len(ids) and
              all(row.split()[4] == "failed" for row in rows), "each run failed", r)
        log = c.log()
        for i in ids:
            check("run %d cannot go on after the restart" % i in log, "run %d named" % i, log)
        check("lie outside the run's 2" in log and "unknown state 'dancing'" in log
              and os.path.join(data, "stampede.db") in log, "the log says why and where", log)
    finally:
        rc, _ = c.stop()
    check(rc == 0, "and stops cleanly")


if __name__ == "__main__":
    main([test_campaigns_survive_a_restart, test_bad_campaigns_are_refused_with_their_line,
          test_wrong_token_and_foreign_ca_are_refused,
          test_agents_register_heartbeat_and_are_seen_lost,
          test_agent_reconnects_after_a_controller_restart,
          test_a_damaged_run_state_fails_that_run_not_the_controller])
