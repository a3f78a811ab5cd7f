#!/usr/bin/env python3
"""The read path at city scale: requests/s and latency of the daily lists, on the release build,
against the city data set (`portal seed city`), on SQLite and PostgreSQL, beside a bare
baseline (tests/benches/read_baseline.rs: one actix-web handler, the same indexed query).

    python3 tests/bench/read_path.py                      # both engines, scale 1, 10 s per run
    python3 tests/bench/read_path.py --engines sqlite --scale 0.1 --duration 5

Needs wrk (installed with apt-get when missing) and, for PostgreSQL, a server at
$BENCH_PG (default postgres://postgres@127.0.0.1:5432): a database `portal_bench_city` is
made and dropped. Prints a Markdown table per engine for tests/bench/RESULTS.md.
Standard library only.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD_ENV = "BENCH_PASSWORD"
SECRET = "bench-secret-bench-secret-bench-secret-0123456789"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build():
    sh(["cargo", "build", "--release", "-p", "portal", "--bin", "portal"], cwd=ROOT)
    out = subprocess.run(
        ["cargo", "bench", "-p", "portal-tests", "--bench", "read_baseline", "--no-run",
         "--message-format=json"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    baseline = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "read_baseline":
            baseline = msg["executable"]
    if not baseline:
        sys.exit("read_baseline was not built")
    return os.path.join(ROOT, "target", "release", "portal"), baseline


def ensure_wrk():
    if shutil.which("wrk"):
        return
    sh(["apt-get", "install", "-y", "--no-install-recommends", "wrk"])


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(port, timeout=60.0):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.01)
    sys.exit(f"nothing answers on port {port}")


def api_login(port, username, password):
    body = json.dumps({"username": username, "password": password}).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"login {username}: {r.status} {data[:200]!r}")
    return json.loads(data)["token"]


def web_login(port, username, password):
    """A browser's login: the form's CSRF token, then the session cookie."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    base = f"http://127.0.0.1:{port}"
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"_csrf": csrf, "username": username, "password": password}).encode()
    try:
        opener.open(base + "/login", form)
    except urllib.error.HTTPError as e:
        if e.code not in (302, 303):
            raise
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def get_json(port, path, token):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"GET {path}: {r.status} {data[:300]!r}")
    return json.loads(data)


def first_byte(port, path, headers, n=20):
    """Median and worst time to the first byte of `path` over `n` sequential requests."""
    times = []
    for _ in range(n):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t0 = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        t1 = time.perf_counter()
        r.read()
        if r.status != 200:
            sys.exit(f"GET {path}: {r.status}")
        times.append((t1 - t0) * 1000)
    return statistics.median(times), max(times)


class RssSampler:
    """The largest resident set of a process while it runs (from /proc)."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.peak = max(self.peak, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.1)

    def done(self):
        self.stop.set()
        self.thread.join()
        return self.peak / 1024


def wrk(port, path, headers, connections, duration):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    failed = None
    if bad or errors:
        # Shown in the table (a 503 when the pool's wait ran out, a timeout): a list that
        # fails under load is a result, not a reason to lose the others.
        failed = (bad.group(0) if bad else "") + (" " + errors.group(0) if errors else "")
        print(f"wrk {path} @{connections}: {failed.strip()}", file=sys.stderr)
    return rps, float(p99.group(1)) * scale, failed


def database(engine, workdir):
    if engine == "sqlite":
        return f"sqlite://{workdir}/city.db?mode=rwc"
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    admin = f"{server}/postgres"
    sh(["psql", admin, "-qc", "DROP DATABASE IF EXISTS portal_bench_city"])
    sh(["psql", admin, "-qc", "CREATE DATABASE portal_bench_city"])
    return f"{server}/portal_bench_city"


def drop_database(engine):
    if engine == "postgres":
        server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        sh(["psql", f"{server}/postgres", "-qc", "DROP DATABASE IF EXISTS portal_bench_city"])


def run_engine(engine, portal, baseline, args):
    workdir = tempfile.mkdtemp(prefix=f"bench-{engine}-")
    url = database(engine, workdir)
    port = free_port()
    env = dict(os.environ, APP_DATABASE__URL=url, APP_DATA_DIR=workdir,
               APP_AUTH__SECRET=SECRET, APP_AUTH__SECURE_COOKIE="false",
               APP_SERVER__HOST="127.0.0.1", APP_SERVER__PORT=str(port), APP_DEMO="false",
               APP_EMAIL__WORKER_ENABLED="false", APP_CLOSED_LOOP__JOBS_ENABLED="false",
               APP_AUTH__LOGIN_LIMIT_PER_IP="1000", RUST_LOG="warn")
    t0 = time.monotonic()
    seeded = subprocess.run([portal, "seed", "city", "--scale", str(args.scale)], env=env,
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    generated = time.monotonic() - t0
    logins = parse_logins(seeded)

    server = subprocess.Popen([portal, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        startup = wait_ready(port)
        rows = []
        tokens = {role: api_login(port, u, p) for role, (u, p) in logins.items()}
        cookies = {role: web_login(port, u, p) for role, (u, p) in logins.items()}
        some = get_json(port, "/api/v1/hazards?per_page=1", tokens["enterprise"])
        hazard = some["items"][0]["id"]
        scenarios = [
            ("hazards, city bureau", "/api/v1/hazards?per_page=20", "city"),
            ("hazards, town bureau", "/api/v1/hazards?per_page=20", "town"),
            ("hazards, committee", "/api/v1/hazards?per_page=20", "committee"),
            ("hazards, enterprise", "/api/v1/hazards?per_page=20", "enterprise"),
            ("enterprises, city bureau", "/api/v1/enterprises?per_page=20", "city"),
            ("to-do, enterprise", "/api/v1/todo", "enterprise"),
            ("queue, city bureau", "/api/v1/queue", "city"),
            ("one hazard, enterprise", f"/api/v1/hazards/{hazard}", "enterprise"),
            ("timeline, enterprise", f"/api/v1/hazards/{hazard}/timeline", "enterprise"),
        ]
        sampler = RssSampler(server.pid)
        for name, path, role in scenarios:
            row = [name]
            for c in args.connections:
                rps, p99, failed = wrk(port, path, {"Authorization": f"Bearer {tokens[role]}"},
                                       c, args.duration)
                row += [rps, p99, failed]
            rows.append(row)
        rss = sampler.done()
        pages = [
            ("/regulator/hazards", "city"), ("/regulator/hazards", "town"),
            ("/committee/hazards", "committee"), ("/enterprise/hazards", "enterprise"),
            ("/regulator/enterprises", "city"), ("/enterprise/todo", "enterprise"),
            ("/regulator/queue", "city"),
        ]
        firsts = [(p, r, *first_byte(port, p, {"Cookie": cookies[r]})) for p, r in pages]
    finally:
        server.terminate()
        server.wait()

    base_port = free_port()
    bare = subprocess.Popen([baseline, "--bench"], stdout=subprocess.DEVNULL,
                            env=dict(os.environ, BASELINE_DATABASE_URL=url,
                                     BASELINE_PORT=str(base_port)))
    try:
        wait_ready_path(base_port, f"/hazards?region={logins_region(args)}")
        base = ["baseline: bare handler, same query"]
        for c in args.connections:
            base += list(wrk(base_port, f"/hazards?region={logins_region(args)}", {}, c,
                             args.duration))
    finally:
        bare.terminate()
        bare.wait()
    drop_database(engine)
    shutil.rmtree(workdir, ignore_errors=True)
    return dict(engine=engine, generated=generated, startup=startup, rss=rss, rows=rows,
                base=base, firsts=firsts, seeded=seeded)


def logins_region(args):
    return args.region


def wait_ready_path(port, path, timeout=30.0):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"the baseline does not answer on port {port}")


def parse_logins(text):
    """The logins `portal seed city` prints, one per line: `  username  password  name (role)`.
    The benchmark's roles: the first regulator is the city bureau, the second a town bureau;
    then the first committee member and the first enterprise admin."""
    by_role = {}
    for line in text.splitlines():
        m = re.match(r"^\s+(\S+)\s+(\S+)\s+.*\((\w+)\)\s*$", line)
        if m:
            by_role.setdefault(m.group(3), []).append((m.group(1), m.group(2)))
    try:
        return {"city": by_role["regulator"][0], "town": by_role["regulator"][1],
                "committee": by_role["committee"][0],
                "enterprise": by_role["enterprise_admin"][0]}
    except (KeyError, IndexError):
        sys.exit(f"portal seed city printed no login for every role:\n{text}")


def table(res, connections):
    head = "| list | " + " | ".join(f"req/s @{c} | p99 ms @{c} | × baseline @{c}"
                                     for c in connections) + " |"
    out = [f"### {res['engine']}", "",
           f"`portal seed city`: {res['generated']:.1f} s; `serve` ready in "
           f"{res['startup'] * 1000:.0f} ms; peak RSS under load {res['rss']:.0f} MB.", "",
           head, "|" + "---|" * (1 + 3 * len(connections))]
    base = res["base"]
    for row in res["rows"] + [base]:
        cells = [row[0]]
        for i, _ in enumerate(connections):
            rps, p99, failed = row[1 + 3 * i], row[2 + 3 * i], row[3 + 3 * i]
            ratio = rps / base[1 + 3 * i]
            mark = " (some failed)" if failed else ""
            cells += [f"{rps:,.0f}{mark}", f"{p99:.1f}", f"{ratio:.2f}"]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "| page (first byte, 20 sequential requests) | role | median ms | worst ms |",
            "|---|---|---|---|"]
    for p, r, med, worst in res["firsts"]:
        out.append(f"| `{p}` | {r} | {med:.1f} | {worst:.1f} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engines", default="sqlite,postgres")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", default="16,64")
    ap.add_argument("--region", default="/330381/",
                    help="the region path the baseline lists (the city bureau's)")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    ensure_wrk()
    if args.no_build:
        portal = os.path.join(ROOT, "target", "release", "portal")
        found = sorted((os.path.join(ROOT, "target", "release", "deps", f)
                        for f in os.listdir(os.path.join(ROOT, "target", "release", "deps"))
                        if f.startswith("read_baseline-") and "." not in f),
                       key=os.path.getmtime)
        baseline = found[-1]
    else:
        portal, baseline = build()
    for engine in args.engines.split(","):
        res = run_engine(engine, portal, baseline, args)
        print(table(res, args.connections), flush=True)
        print(flush=True)


if __name__ == "__main__":
    main()
