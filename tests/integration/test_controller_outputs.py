# SPDX-License-Identifier: Apache-2.0
"""A controller's outputs: `controller --out` for every run and a campaign's `outputs:` (files
under --data only), each run's merged seconds sent as a local run's are, one scrape endpoint
serving every run, and a run's end never waiting on a sink."""
import glob
import json
import os
import re
import urllib.request

from control_harness import cli
from harness import check, main, target, write
from test_distributed_runs import finish, fleet, free_port, start

CAMPAIGN = """name: %(name)s
target: %(url)s
threads: 1
phases:
  - {name: steady, duration: 3s, users: 4}
scenarios:
  - name: paced
    flow: [get: "/delay?ms=5"]
%(outputs)s
"""


def add(workdir, c, t, name, outputs=""):
    path = write(workdir, name + ".yaml", CAMPAIGN % {"name": name, "url": t.url,
                                                      "outputs": outputs})
    r = cli(workdir, ["campaign", "add", path] + c.flags())
    check(r.returncode == 0, "campaign add", r)


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        return r.read().decode()


def test_every_run_sends_its_merged_seconds(workdir):
    port = free_port()
    runs_file = os.path.join(workdir, "sink", "runs.jsonl")
    os.makedirs(os.path.dirname(runs_file))
    with target(threads=2) as t, fleet(workdir, 2, "--out", "prometheus=127.0.0.1:%d" % port,
                                       "--out", "jsonl=" + runs_file) as (c, _):
        add(workdir, c, t, "exported", "outputs: [csv=out/seconds.csv]")
        t.reset()
        proc, summary = start(workdir, c, "exported", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc == 0 and s is not None, "the run", (rc, out, err))
        run_id = out.splitlines()[0].strip()
        # Scraped after the end, within the endpoint's linger: the run's total, labelled.
        text = scrape(port)
        m = re.search(r'stampede_requests_total\{campaign="exported",run="%s"\} (\d+)' % run_id,
                      text)
        check(m and int(m.group(1)) == s["requests"]["total"] == t.stats()["requests"],
              "the scrape's total is the summary's and the target's", (m and m.group(0), s))
        check(s["outputs"]["prometheus"]["sent"] >= 0 and "jsonl" in s["outputs"] and
              "csv" in s["outputs"], "the summary lists the run's outputs", s.get("outputs"))
        # The files are the run's: its id in their names, its seconds inside.
        jsonl = os.path.join(workdir, "sink", "runs-%s.jsonl" % run_id)
        check(wait_for_file(jsonl), "the jsonl of the run", os.listdir(os.path.dirname(jsonl)))
        with open(jsonl) as f:
            lines = [json.loads(l) for l in f]
        check(sum(l["requests"] for l in lines) == s["requests"]["total"],
              "its seconds add up to the run's requests", lines)
        check(all(set(l["agents"]) <= {"a1", "a2"} for l in lines) and
              any(len(l["agents"]) == 2 for l in lines), "split by agent", lines[:2])
        csv = os.path.join(c.data, "out", "seconds-%s.csv" % run_id)
        check(wait_for_file(csv), "the campaign's csv, under --data",
              glob.glob(os.path.join(c.data, "**"), recursive=True))
        check("run %s outputs delivered:" % run_id in c.log(), "the final counts are logged",
              c.log())

        # A second run: the endpoint serves both, each by its run label.
        proc, summary = start(workdir, c, "exported", "--wait")
        rc, out, err, s2 = finish(proc, summary)
        second = out.splitlines()[0].strip()
        text = scrape(port)
        check('run="%s"' % second in text, "the second run's series", text[:500])
        check(text.count("# TYPE stampede_requests_total counter") == 1, "one TYPE line", text)


def wait_for_file(path, timeout=10):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.2)
    return False


def test_a_campaign_may_not_write_outside_data_or_serve(workdir):
    with target() as t, fleet(workdir, 1) as (c, _):
        add(workdir, c, t, "escape", "outputs: [jsonl=../../elsewhere.jsonl]")
        proc, summary = start(workdir, c, "escape", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc != 0 and "escape.yaml:9: outputs[0]: jsonl=../../elsewhere.jsonl is outside "
              "the controller's --data directory" in err, "refused with its line", (rc, err))
        add(workdir, c, t, "serving", "outputs: [prometheus=127.0.0.1:0]")
        proc, summary = start(workdir, c, "serving", "--wait")
        rc, out, err, s = finish(proc, summary)
        check(rc != 0 and "a campaign cannot open one" in err, "no endpoint of its own", (rc, err))
        check(not glob.glob(os.path.join(workdir, "..", "elsewhere*")), "nothing written")


if __name__ == "__main__":
    main([test_every_run_sends_its_merged_seconds,
          test_a_campaign_may_not_write_outside_data_or_serve])
