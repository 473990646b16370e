# SPDX-License-Identifier: Apache-2.0
"""Outputs (--out): a real Prometheus scraping `prometheus=` holds the run's exact request count;
`jsonl=` and `csv=` hold one second per line (or per row and series) adding up to the summary;
the summary says what each output sent; bad specs, a taken port and an unwritable file are
refused by name before any load."""
import csv
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import harness
from harness import check, main, run, target, write

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

CAMPAIGN = """name: shop
target: %s
phases:
  - {name: steady, users: 4, duration: 4s}
scenarios:
  - name: browse
    flow:
      - get: {url: /json, name: home}
      - get: {url: "/status?code=503", name: "GET /broken, page"}
"""


def run_shop(workdir, *outputs):
    """The campaign against a target of its own with these --out values: (result, target's
    stats)."""
    with target(threads=2) as t:
        path = write(workdir, "shop.yaml", CAMPAIGN % t.url)
        args = ["run", path, "-q"]
        for o in outputs:
            args += ["--out", o]
        r = run(args, workdir)
        return r, t.stats()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A sink's server process of the test's own, started on a free port."""

    def start(self, workdir, name, args, ready_url):
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(workdir, name + ".log"), "w"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(ready_url, timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("%s did not answer %s" % (name, ready_url))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Prometheus(Server):
    """A Prometheus server of the test's own, scraping `scrape` every second."""

    def __init__(self, workdir, scrape=None):
        self.port = free_port()
        config = write(workdir, "prometheus.yml", """
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: stampede
    static_configs: [{targets: ["%s"]}]
""" % scrape if scrape else "global: {scrape_interval: 1s}\n")
        # Without a target to scrape: the remote write receiver.
        self.start(workdir, "prometheus",
                   [PROMETHEUS, "--config.file=" + config,
                    "--storage.tsdb.path=" + os.path.join(workdir, "tsdb"),
                    "--web.listen-address=127.0.0.1:%d" % self.port] +
                   ([] if scrape else ["--web.enable-remote-write-receiver"]),
                   "http://127.0.0.1:%d/-/ready" % self.port)

    def wait_scraping(self, timeout=30):
        """Until Prometheus has tried its target once (it finds new targets in batches, seconds
        apart): from then on it scrapes every second."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            url = "http://127.0.0.1:%d/api/v1/targets" % self.port
            with urllib.request.urlopen(url, timeout=5) as r:
                active = json.load(r)["data"]["activeTargets"]
            if active and not active[0]["lastScrape"].startswith("0001"):
                return
            time.sleep(0.2)
        raise RuntimeError("prometheus never scraped its target")

    def query(self, expression):
        url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (
            self.port, urllib.parse.quote(expression))
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)["data"]["result"]


def test_prometheus_scrapes_the_runs_exact_counts_and_files_hold_every_second(workdir):
    port = free_port()
    prom = Prometheus(workdir, "127.0.0.1:%d" % port)
    try:
        prom.wait_scraping()
        with target(threads=2) as t:
            path = write(workdir, "shop.yaml", CAMPAIGN % t.url)
            r = run(["run", path, "-q", "--out", "prometheus=127.0.0.1:%d?linger=3s" % port,
                     "--out", "jsonl=seconds.jsonl", "--out", "csv=seconds.csv"], workdir)
            stats = t.stats()
        s = r.summary
        check(r.returncode == 0 and s is not None, "the run", r)
        total = s["requests"]["total"]
        check(total == stats["requests"] and total > 1000, "the run's count is the target's",
              (total, stats))
        check("stampede: output prometheus: http://127.0.0.1:%d/metrics" % port in r.stderr,
              "says where it serves", r.stderr)
        outputs = s["outputs"]
        check(outputs["prometheus"]["sent"] >= 4 and outputs["jsonl"]["dropped"] == 0 and
              outputs["csv"]["errors"] == 0, "the summary counts what the outputs sent", outputs)
        check("outputs" in r.stdout and "prometheus %d sent" % outputs["prometheus"]["sent"]
              in r.stdout, "and so does the terminal", r.stdout)

        # Prometheus holds the totals as of the last scrape, which the linger let it make.
        def value(expression):
            result = prom.query(expression)
            return [(x["metric"], float(x["value"][1])) for x in result]
        requests = value("stampede_requests_total")
        check(len(requests) == 1 and requests[0][1] == total and
              requests[0][0]["campaign"] == "shop" and requests[0][0]["run"] == "1",
              "Prometheus holds the exact request count, labelled", requests)
        failed = value("stampede_failed_total")
        check(failed[0][1] == s["requests"]["failed"] > 0, "and the failed ones", failed)
        steps = dict((m["step"], v) for m, v in value("stampede_step_requests_total"))
        check(steps == {st["name"]: st["requests"] for st in s["steps"]},
              "by step", (steps, s["steps"]))
        codes = dict((m["status"], v) for m, v in value("stampede_responses_total"))
        check(codes == {k: v for k, v in s["status_codes"].items()}, "by status", codes)
        p99 = value("stampede_latency_p99_seconds")
        check(len(p99) == 1 and 0 < p99[0][1] < 1, "the last second's p99, in seconds", p99)
    finally:
        prom.stop()

    # jsonl: one object a second, the seconds adding up to the summary.
    with open(os.path.join(workdir, "seconds.jsonl")) as f:
        seconds = [json.loads(line) for line in f]
    check(len(seconds) == outputs["jsonl"]["sent"] and len(seconds) >= 4, "a line a second",
          len(seconds))
    check(sum(x["requests"] for x in seconds) == total and
          sum(x["failed"] for x in seconds) == s["requests"]["failed"], "adding up to the total")
    check([x["index"] for x in seconds] == list(range(len(seconds))), "in order, none missing")
    broken = "GET /broken, page"  # a name with a space, a slash and a comma
    check(all(x["steps"]["home"]["requests"] + x["steps"][broken]["requests"] == x["requests"]
              for x in seconds), "each second's steps add up to it")
    busy = seconds[1]
    check(busy["latency_ms"]["p50"] <= busy["latency_ms"]["p99"] <= busy["latency_ms"]["max"] and
          busy["campaign"] == "shop" and busy["run"] == 1 and busy["status"]["503"] > 0,
          "its percentiles and breakdowns", busy)
    # csv: a row a second for each series.
    with open(os.path.join(workdir, "seconds.csv")) as f:
        rows = list(csv.DictReader(f))
    check(sum(float(x["value"]) for x in rows if x["metric"] == "requests") == total,
          "the csv's requests rows add up to the total")
    check(sum(float(x["value"]) for x in rows if x["metric"] == "step_requests" and
              x["step"] == broken) == s["requests"]["failed"], "with the step in its column")


def test_remote_write_reaches_prometheus_exactly(workdir):
    prom = Prometheus(workdir)
    try:
        r, _ = run_shop(workdir, "prometheus-rw=http://127.0.0.1:%d/api/v1/write" % prom.port)
        s = r.summary
        out = s["outputs"]["prometheus-rw"]
        check(r.returncode == 0 and out["dropped"] == 0 and out["errors"] == 0 and
              out["sent"] >= 4, "every second written", (r, out))

        def value(expression):
            return [(x["metric"], float(x["value"][1])) for x in prom.query(expression)]
        requests = value("stampede_requests_total")
        check(len(requests) == 1 and requests[0][1] == s["requests"]["total"] and
              requests[0][0] == {"__name__": "stampede_requests_total", "campaign": "shop",
                                 "run": "1"}, "the run's exact total, labelled", requests)
        steps = dict((m["step"], v) for m, v in value("stampede_step_requests_total"))
        check(steps == {st["name"]: st["requests"] for st in s["steps"]}, "by step", steps)
        # One sample a second, stamped with the second's start.
        samples = prom.query("stampede_requests_total[1m]")[0]["values"]
        stamps = [float(ts) for ts, _ in samples]
        check(len(samples) == out["sent"] and
              all(abs(b - a - 1.0) < 0.01 for a, b in zip(stamps, stamps[1:])),
              "a sample a second, a second apart", stamps)
        check(abs(stamps[0] - s["started_at_ms"] / 1000.0) < 1.0, "from the run's start",
              (stamps[0], s["started_at_ms"]))
    finally:
        prom.stop()


INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"


class InfluxDB(Server):
    """An InfluxDB 1.x server of the test's own, with database `stampede`."""

    def __init__(self, workdir):
        self.port = free_port()
        root = os.path.join(workdir, "influx")
        config = write(workdir, "influxdb.conf", """
reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%s/meta"
[data]
  dir = "%s/data"
  wal-dir = "%s/wal"
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
""" % (free_port(), root, root, root, self.port))
        self.start(workdir, "influxd", [INFLUXD, "-config", config],
                   "http://127.0.0.1:%d/ping" % self.port)
        self.query("CREATE DATABASE stampede", method="POST")

    def query(self, q, method="GET"):
        url = "http://127.0.0.1:%d/query?db=stampede&q=%s" % (self.port, urllib.parse.quote(q))
        req = urllib.request.Request(url, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)["results"][0]


def test_influxdb_holds_one_point_a_second_adding_up_to_the_run(workdir):
    influx = InfluxDB(workdir)
    try:
        r, _ = run_shop(workdir, "influxdb=http://127.0.0.1:%d?db=stampede" % influx.port)
        s = r.summary
        check(r.returncode == 0 and s["outputs"]["influxdb"]["dropped"] == 0 and
              s["outputs"]["influxdb"]["errors"] == 0, "the run, every second delivered", r)

        def rows(q):
            series = influx.query(q).get("series", [])
            return [dict(zip(x["columns"], v), **x.get("tags", {})) for x in series
                    for v in x["values"]]
        total = rows("SELECT sum(requests), count(requests) FROM stampede")
        check(total[0]["sum"] == s["requests"]["total"] and
              total[0]["count"] == s["outputs"]["influxdb"]["sent"],
              "one point a second, adding up to the run's requests", (total, s["requests"]))
        steps = rows("SELECT sum(requests) FROM stampede_step GROUP BY step")
        check({x["step"]: x["sum"] for x in steps} ==
              {st["name"]: st["requests"] for st in s["steps"]}, "by step, tagged", steps)
        codes = rows("SELECT sum(responses) FROM stampede_status GROUP BY status")
        check({x["status"]: x["sum"] for x in codes} == s["status_codes"], "by status", codes)
        p99 = rows("SELECT max(latency_p99_ms) FROM stampede WHERE campaign = 'shop'")
        check(0 < p99[0]["max"] <= s["latency_ms"]["max"], "the seconds' p99, in ms", p99)
    finally:
        influx.stop()


def test_a_sink_that_is_down_costs_dropped_seconds_never_the_counts(workdir):
    down = free_port()  # nothing listens there
    began = time.monotonic()
    r, stats = run_shop(workdir, "influxdb=http://127.0.0.1:%d?db=x" % down)
    took = time.monotonic() - began
    s = r.summary
    out = s["outputs"]["influxdb"]
    check(r.returncode == 0 and s["requests"]["total"] == stats["requests"],
          "the counts still equal the target's", (s["requests"], stats))
    check(out["sent"] == 0 and out["dropped"] >= 4 and out["errors"] >= out["dropped"],
          "every second dropped and counted", out)
    check(r.stderr.count("Connection refused (what it drops is counted in the summary)") == 1,
          "one warning on stderr", r.stderr)
    check(took < 4 + 12, "the run's end waits for the sink a bounded time: %.1fs" % took)


def test_a_slow_sink_never_slows_the_run(workdir):
    """A sink that takes 3 s to answer each write: the run's seconds queue up behind it (what
    is left when the run ends is dropped) while the run goes at its own pace."""
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(3)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r, stats = run_shop(workdir, "influxdb=http://127.0.0.1:%d?db=x" % server.server_address[1])
    finally:
        server.shutdown()
    s = r.summary
    out = s["outputs"]["influxdb"]
    check(r.returncode == 0 and s["requests"]["total"] == stats["requests"] and
          s["duration_s"] < 6, "the run kept its pace and its counts", (s["duration_s"], stats))
    check(out["sent"] >= 2 and out["dropped"] >= 1 and out["sent"] + out["dropped"] >= 4,
          "what the sink took, and what it could not", out)


def test_a_refusal_is_final_and_a_server_error_is_tried_again(workdir):
    """400: the sink refuses these points, sent once a second; 503: each second tried again
    (five tries) before it is dropped."""
    tries = {"400": 0, "503": 0}

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            code = self.path.split("db=")[1].split("&")[0]
            tries[code] += 1
            self.send_response(int(code))
            self.end_headers()
            self.wfile.write(b"no")

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d" % server.server_address[1]
        r, stats = run_shop(workdir, "influxdb=%s?db=400" % base, "influxdb=%s?db=503" % base)
    finally:
        server.shutdown()
    s = r.summary
    refused, failing = s["outputs"]["influxdb"], s["outputs"]["influxdb-2"]
    check(r.returncode == 0 and s["requests"]["total"] == stats["requests"], "the run", r)
    check(refused["sent"] == 0 and refused["dropped"] == refused["errors"] == tries["400"] >= 4,
          "a 400 is one try a second, each dropped", (refused, tries))
    check(failing["sent"] == 0 and failing["dropped"] >= 1 and
          failing["errors"] == tries["503"] and tries["503"] >= 5 * failing["dropped"] - 4,
          "a 503 is tried again before it is dropped", (failing, tries))
    check("answered 400: no (what it drops is counted in the summary)" in r.stderr and
          "answered 503" in r.stderr, "each says once why", r.stderr)


def clean(name, allowed):
    """docs/outputs.md's cleaning rule: every byte but letters, digits and `allowed` is '_'."""
    return "".join(c if c.isascii() and (c.isalnum() or c in allowed) else "_" for c in name)


def test_statsd_and_dogstatsd_datagrams_add_up_to_the_run(workdir):
    sockets = {}
    for kind in ("statsd", "dogstatsd"):
        sockets[kind] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sockets[kind].bind(("127.0.0.1", 0))
        sockets[kind].setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    received = {kind: [] for kind in sockets}

    def listen(kind):
        sockets[kind].settimeout(0.5)
        while True:
            try:
                received[kind].append(sockets[kind].recv(65536))
            except socket.timeout:
                if done:
                    return
            except OSError:
                return
    done = False
    threads = [threading.Thread(target=listen, args=(k,), daemon=True) for k in sockets]
    for th in threads:
        th.start()
    try:
        r, stats = run_shop(workdir, *["%s=127.0.0.1:%d" % (k, sock.getsockname()[1])
                                       for k, sock in sockets.items()])
        time.sleep(0.3)
    finally:
        done = True
        for th in threads:
            th.join(timeout=5)
        for sock in sockets.values():
            sock.close()
    s = r.summary
    check(r.returncode == 0 and s["requests"]["total"] == stats["requests"], "the run", r)
    for kind, datagrams in received.items():
        check(datagrams and max(len(d) for d in datagrams) <= 1432,
              "%s: datagrams within the MTU" % kind, [len(d) for d in datagrams])
        check(s["outputs"][kind]["sent"] >= 4 and s["outputs"][kind]["dropped"] == 0,
              "%s: every second sent" % kind, s["outputs"][kind])
    lines = [x for d in received["statsd"] for x in d.decode().split("\n")]
    total = sum(int(x.split(":")[1].split("|")[0]) for x in lines
                if x.startswith("stampede.requests:"))
    check(total == s["requests"]["total"], "statsd's counters add up to the run's requests",
          (total, s["requests"]["total"]))
    for st in s["steps"]:
        bucket = "stampede.step_requests.%s:" % clean(st["name"], "_-")
        n = sum(int(x[len(bucket):].split("|")[0]) for x in lines if x.startswith(bucket))
        check(n == st["requests"], "statsd: step %s as %s" % (st["name"], bucket), n)
    dog = [x for d in received["dogstatsd"] for x in d.decode().split("\n")]
    tagged = [x for x in dog if x.startswith("stampede.requests:")]
    check(tagged and all(x.endswith("|#campaign:shop,run:1") for x in tagged) and
          sum(int(x.split(":")[1].split("|")[0]) for x in tagged) == s["requests"]["total"],
          "dogstatsd: the same counts, tagged", tagged[:3])
    check(any("|g|#campaign:shop,run:1" in x and x.startswith("stampede.latency_p99_ms:")
              for x in dog), "the seconds' p99 as a gauge")


VICTORIA = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"


class VictoriaMetrics(Server):
    """A VictoriaMetrics server taking Graphite's plaintext and OpenTSDB's HTTP API."""

    def __init__(self, workdir):
        self.port, self.graphite, self.opentsdb = free_port(), free_port(), free_port()
        self.start(workdir, "victoria-metrics",
                   [VICTORIA, "-storageDataPath=" + os.path.join(workdir, "vm"),
                    "-httpListenAddr=127.0.0.1:%d" % self.port,
                    "-graphiteListenAddr=127.0.0.1:%d" % self.graphite,
                    "-opentsdbHTTPListenAddr=127.0.0.1:%d" % self.opentsdb],
                   "http://127.0.0.1:%d/health" % self.port)

    def export(self, match):
        """{labels: [values]} of the series `match` selects, every sample stored."""
        base = "http://127.0.0.1:%d" % self.port
        urllib.request.urlopen(base + "/internal/force_flush", timeout=10).read()
        body = urllib.parse.urlencode({"match[]": match}).encode()
        with urllib.request.urlopen(base + "/api/v1/export", data=body, timeout=10) as r:
            rows = [json.loads(line) for line in r.read().decode().splitlines() if line]
        return {tuple(sorted(x["metric"].items())): x["values"] for x in rows}


def test_graphite_and_opentsdb_reach_victoria_metrics_exactly(workdir):
    vm = VictoriaMetrics(workdir)
    try:
        runs = {}
        for run_id, spec in ((1, "graphite=127.0.0.1:%d" % vm.graphite),
                             (2, "opentsdb=http://127.0.0.1:%d" % vm.opentsdb)):
            r, _ = run_shop(workdir, spec)
            kind = spec.split("=")[0]
            out = r.summary["outputs"][kind]
            check(r.returncode == 0 and out["sent"] >= 4 and out["dropped"] == 0,
                  "%s: every second sent" % kind, (r, out))
            runs[run_id] = r.summary
        for run_id, s in runs.items():
            deadline = time.monotonic() + 10
            while True:  # the Graphite listener takes its lines a moment after they are sent
                series = vm.export('{__name__="stampede.requests",run="%d"}' % run_id)
                total = sum(sum(v) for v in series.values())
                if total == s["requests"]["total"] or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            check(len(series) == 1 and total == s["requests"]["total"],
                  "run %d: the seconds add up to the run's requests" % run_id,
                  (series, s["requests"]["total"]))
            check(list(series)[0] == (("__name__", "stampede.requests"), ("campaign", "shop"),
                                      ("run", str(run_id))), "tagged", list(series))
            steps = vm.export('{__name__="stampede.step_requests",run="%d"}' % run_id)
            by_step = {dict(k)["step"]: sum(v) for k, v in steps.items()}
            check(by_step == {clean(st["name"], "-_./"): st["requests"] for st in s["steps"]},
                  "run %d: by step, names cleaned ('GET /broken, page' as GET_/broken__page)"
                  % run_id, by_step)
    finally:
        vm.stop()


def js_readers():
    """tests/integration/js's packages (an independent HdrHistogram), fetched from the npm
    registry by their lockfile once, beside the build."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
    cache = os.path.join(os.path.dirname(harness.STAMPEDE), "test-js")
    stamp = os.path.join(cache, "package-lock.json")
    with open(os.path.join(here, "package-lock.json")) as f:
        lock = f.read()
    if not os.path.exists(stamp) or open(stamp).read() != lock:
        os.makedirs(cache, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(here, name), cache)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=cache,
                       check=True, capture_output=True, timeout=300)
    return here, os.path.join(cache, "node_modules")


def test_hdrlog_is_read_back_by_hdrhistogram_itself(workdir):
    r, _ = run_shop(workdir, "hdrlog=latency.hlog", "jsonl=seconds.jsonl")
    s = r.summary
    check(r.returncode == 0 and s["outputs"]["hdrlog"]["dropped"] == 0, "the run", r)
    here, modules = js_readers()
    read = subprocess.run(["node", os.path.join(here, "read_hdrlog.js"),
                           os.path.join(workdir, "latency.hlog")],
                          env=dict(os.environ, NODE_PATH=modules), capture_output=True,
                          text=True, timeout=60)
    check(read.returncode == 0, "hdr-histogram-js reads the log", read)
    intervals = [json.loads(line) for line in read.stdout.splitlines()]
    with open(os.path.join(workdir, "seconds.jsonl")) as f:
        seconds = [json.loads(line) for line in f]
    untagged = [x for x in intervals if x["tag"] == "NO TAG"]
    check(len(untagged) == len(seconds) and
          sum(x["count"] for x in untagged) == s["requests"]["total"],
          "an untagged line a second holding every request", (len(untagged), len(seconds)))
    for x, sec in zip(untagged, seconds):
        if not sec["requests"]:
            continue
        # The same counters read by another implementation: the same percentiles, in µs,
        # within the histogram's precision (its max is the counter's, stampede's the exact one).
        for key in ("p50", "p99", "max"):
            mine = sec["latency_ms"][key] * 1000
            check(abs(x[key] - mine) <= mine / 1000 + 1,
                  "second %d: %s %s µs == stampede's %s ms" % (sec["index"], key, x[key],
                                                              sec["latency_ms"][key]))
        check(abs(x["start"] - sec["t"] * 1000) < 2, "stamped with its second", (x, sec["t"]))
    # `show --hgrm`: the whole run's distribution in HdrHistogram's layout.
    r2 = run(["show", "1", "--hgrm", "--db", os.path.join(workdir, "stampede.db")], workdir)
    rows = [line.split() for line in r2.stdout.splitlines()
            if line.strip() and not line.startswith("#")][1:]
    check(r2.returncode == 0 and rows[-1][1] == "1.000000000000" and
          int(rows[-1][2]) == s["requests"]["total"], "the .hgrm ends at 100% with every request",
          r2.stdout[-600:])
    check(all(float(a[0]) <= float(b[0]) and float(a[1]) < float(b[1])
              for a, b in zip(rows, rows[1:])), "values and percentiles rise")
    check("#[Max     =" in r2.stdout and
          "Total count    = %12d]" % s["requests"]["total"] in r2.stdout, "its footer", r2.stdout)
    r3 = run(["show", "9", "--hgrm", "--db", os.path.join(workdir, "stampede.db")], workdir)
    check(r3.returncode == 1 and "no run 9" in r3.stderr, "an unknown run", r3)
    for st in s["steps"]:
        tag = st["name"].replace(" ", "_").replace(",", "_")  # the rule: ',' and ' ' are '_'
        check(sum(x["count"] for x in intervals if x["tag"] == tag) == st["requests"],
              "step %s as Tag=%s" % (st["name"], tag))


def test_a_campaigns_outputs_are_honoured_and_checked_by_line(workdir):
    with target() as t:
        path = write(workdir, "c.yaml", CAMPAIGN % t.url + "outputs:\n  - jsonl=from-campaign.jsonl\n")
        r = run(["run", path, "-q", "--out", "csv=from-flag.csv"], workdir)
        check(r.returncode == 0 and sorted(r.summary["outputs"]) == ["csv", "jsonl"],
              "the campaign's outputs and the flag's, both", r)
        with open(os.path.join(workdir, "from-campaign.jsonl")) as f:
            check(sum(json.loads(x)["requests"] for x in f) == r.summary["requests"]["total"],
                  "the campaign's file holds the run")
        bad = write(workdir, "bad.yaml", CAMPAIGN % t.url +
                    "outputs:\n  - jsonl=ok.jsonl\n  - nope=x\n"
                    "  - influxdb=http://127.0.0.1:1?db=x&bearer_env=HOME\n")
        for cmd in (["run", bad, "-q"], ["validate", bad]):
            r = run(cmd, workdir)
            check(r.returncode == 2 and "bad.yaml:12: outputs[1]: unknown output kind 'nope'"
                  in r.stderr and "bad.yaml:13: outputs[2]: bearer_env: a campaign names no "
                  "credentials" in r.stderr, "%s: each bad output by file, line and field"
                  % cmd[0], r.stderr)
        check(not os.path.exists(os.path.join(workdir, "ok.jsonl")), "and nothing ran")


def test_bad_outputs_are_refused_before_any_load(workdir):
    with target() as t:
        path = write(workdir, "shop.yaml", CAMPAIGN % t.url)
        for spec, why in (("influx", "expected KIND=TARGET"),
                          ("nope=x", "unknown output kind 'nope'"),
                          ("influxdb=http://127.0.0.1:1", "influxdb needs its database"),
                          ("influxdb=http://u:p@127.0.0.1:1?db=x", "holds credentials"),
                          ("influxdb=http://127.0.0.1:1?db=x&bearer_env=STAMPEDE_NO_SUCH",
                           "the variable STAMPEDE_NO_SUCH is not set"),
                          ("influxdb=https://127.0.0.1:1?db=x", "expected an http:// URL"),
                          ("prometheus=127.0.0.1:1?linger=soon", "linger: expected a duration")):
            r = run(["run", path, "-q", "--out", spec], workdir)
            check(r.returncode == 2 and why in r.stderr, "--out %s: %s" % (spec, why), r)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            address = "127.0.0.1:%d" % taken.getsockname()[1]
            r = run(["run", path, "-q", "--out", "prometheus=" + address], workdir)
            check(r.returncode == 1 and "--out prometheus=" + address in r.stderr,
                  "a taken port, named", r)
        r = run(["run", path, "-q", "--out", "jsonl=no/such/dir/x.jsonl"], workdir)
        check(r.returncode == 1 and "cannot create no/such/dir/x.jsonl" in r.stderr,
              "an unwritable file, named", r)
        check(t.stats()["requests"] == 0, "none of them sent a request")


if __name__ == "__main__":
    main([test_prometheus_scrapes_the_runs_exact_counts_and_files_hold_every_second,
          test_remote_write_reaches_prometheus_exactly,
          test_influxdb_holds_one_point_a_second_adding_up_to_the_run,
          test_a_sink_that_is_down_costs_dropped_seconds_never_the_counts,
          test_a_slow_sink_never_slows_the_run,
          test_a_refusal_is_final_and_a_server_error_is_tried_again,
          test_statsd_and_dogstatsd_datagrams_add_up_to_the_run,
          test_graphite_and_opentsdb_reach_victoria_metrics_exactly,
          test_hdrlog_is_read_back_by_hdrhistogram_itself,
          test_a_campaigns_outputs_are_honoured_and_checked_by_line,
          test_bad_outputs_are_refused_before_any_load])
