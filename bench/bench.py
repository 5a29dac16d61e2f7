"""`make bench`: how close Vetted's article page comes to the framework's limit, beside Wagtail.

One run builds production-like servers on loopback (gunicorn, DEBUG off, PostgreSQL with
persistent connections, Redis), each serving a baseline view — a constant body of the article
page's size that touches neither database nor cache — next to the pages measured:

  vetted          Vetted with its page cache warm in Redis (the production setting)
  vetted-nocopy   the same with PAGE_LOCAL_COPY off: every hit asks Redis (no per-process copy)
  vetted-nocache  Vetted with CACHE_URL=dummy://, so every request renders the page
  wagtail         Wagtail 8 (bench/.peer-venv) serving the same text, uncached
  wagtail-cache   the same with Django's whole-site cache middleware in Redis
  vetted-varnish  the vetted server behind Varnish (deploy/varnish/default.vcl), when varnishd
                  is installed: what readers get through the edge
  bare            the bare-Django reference (bench/bare/): SecurityMiddleware and
                  CommonMiddleware only, one view answering constant bytes of the page's size

wrk drives every target at several concurrencies for a bounded time, the targets alternating
within each round, and the report gives medians over rounds of req/s, p50 and p99 and the
ratio page / baseline of the same server (each round's ratio, then their median), and the
ratio page / bare reference (same gunicorn, same round, same concurrency). Then the
memory of a gunicorn worker after 10,000 article requests, and a py-spy profile of the workers
while they render. Results go to bench/results/ as JSON; see bench/README.md.
"""

import argparse
import collections
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib

DEMO_SLUG = "vitamin-d-and-k2-for-osteoporosis"
ARTICLE_PATHS = {
    "patient": f"/articles/{DEMO_SLUG}/",  # the default audience's canonical address
    "clinician": f"/articles/{DEMO_SLUG}/?audience=clinician",
}
PEER_PATH = f"/{DEMO_SLUG}/"
PEER_VENV = lib.BENCH_DIR / ".peer-venv"
PEER_PROJECT = PEER_VENV / "project"
PEER_REQUIREMENTS = lib.BENCH_DIR / "peer" / "requirements.txt"
PEER_OVERLAY = lib.BENCH_DIR / "peer" / "overlay"
PY_SPY_VERSION = "0.4.3"
# Django's whole-site cache would serve the baseline from Redis too, so the cached peer's pages
# are compared with the plain peer's baseline (same code, same flags, no cache middleware).
BASELINE_OF = {"wagtail-cache": "wagtail", "vetted-varnish": "vetted"}
VARNISHD = Path("/usr/sbin/varnishd")
VCL = lib.ROOT / "deploy" / "varnish" / "default.vcl"
# Fewer completed requests than this in a run say nothing about throughput: left out.
MIN_REQUESTS = 10
# The targets for article / in-stack baseline (the older measure) ...
TARGETS = {"vetted": 0.8, "vetted-nocache": 0.25}
# ... and for article / the bare-Django reference (issue 17).
BARE_TARGETS = {"vetted": 0.8, "vetted-nocache": 0.15}
BARE = ("bare", "reference")  # (server, target) of the bare-Django reference


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every target (3)")
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run (2)")
    parser.add_argument(
        "--concurrency", default="2,8,32", help="wrk connections, comma-separated (2,8,32)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the Wagtail peer")
    parser.add_argument("--no-varnish", action="store_true", help="skip the server behind Varnish")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument(
        "--memory-timeout", type=int, default=90, help="cap on the memory run, seconds (90)"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--profile-seconds", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="1 round, 1 s, c=8: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.concurrency = 1, 1, "8"
        args.memory_requests, args.profile_seconds = 1000, 3
    args.concurrency = [int(value) for value in args.concurrency.split(",")]
    return args


class Run:
    """Everything one `make bench` makes, so that `finally` can remove all of it."""

    def __init__(self):
        self.id = f"{os.getpid()}{int(time.time()) % 100000}"
        self.work = Path(tempfile.mkdtemp(prefix="vetted-bench-"))
        self.databases = []
        self.servers = []
        self.redis_prefixes = []

    def database(self, kind):
        name = lib.new_database_name(kind)
        url = lib.create_database(name)
        self.databases.append(name)
        return url

    def cache_prefix(self, db, name):
        prefix = f"vbench-{self.id}-{name}"
        self.redis_prefixes.append((db, prefix))
        return prefix

    def start(self, server, ready_path):
        self.servers.append(server)
        return server.wait_ready(ready_path)

    def cleanup(self):
        for server in self.servers:
            server.stop()
        for name in self.databases:
            lib.drop_database(name)
        for db, prefix in self.redis_prefixes:
            lib.redis_delete_prefix(db, prefix)
        shutil.rmtree(self.work, ignore_errors=True)


# --- Vetted -----------------------------------------------------------------------------------


def vetted_env(run, database_url, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        PYTHONPATH=str(lib.ROOT),
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=str(run.work / "vetted-static"),
        BENCH_BASELINE="1",
        DEBUG="0",
        SECRET_KEY=run.secret,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        EMAIL_URL="locmem://",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
        CACHE_URL="dummy://",
    )
    env.update(extra)
    return env


def manage(env, *words, python=lib.VENV_PYTHON, cwd=lib.ROOT, timeout=900):
    result = subprocess.run(
        [str(python), "manage.py", *words],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(words)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_vetted(run):
    lib.log("Vetted: database, migrations, demo content, static files")
    url = run.database("main")
    env = vetted_env(run, url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "--public-demo-passwords")
    manage(env, "collectstatic", "--noinput", "-v0")
    exported = subprocess.run(
        [str(lib.VENV_PYTHON), "-m", "bench.export_demo"],
        env=env,
        cwd=lib.ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    (run.work / "demo.json").write_text(exported)
    return url


# --- the Wagtail peer -------------------------------------------------------------------------


def ensure_peer_venv():
    """Create bench/.peer-venv with Wagtail when it is missing or its requirements changed."""
    stamp = PEER_VENV / ".stamp"
    wanted = PEER_REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == wanted and (PEER_VENV / "bin" / "wagtail").exists():
        return
    lib.log("Wagtail peer: creating bench/.peer-venv (once; about two minutes)")
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
    subprocess.run(
        [
            str(PEER_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(PEER_REQUIREMENTS),
        ],
        check=True,
        timeout=900,
    )
    stamp.write_text(wanted)


def ensure_peer_project():
    """`wagtail start` once, then lay the committed overlay (settings, page type) over it."""
    if not (PEER_PROJECT / "manage.py").exists():
        PEER_PROJECT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(PEER_VENV / "bin" / "wagtail"), "start", "peersite", str(PEER_PROJECT)],
            check=True,
            timeout=300,
            capture_output=True,
        )
    shutil.copytree(PEER_OVERLAY, PEER_PROJECT, dirs_exist_ok=True)


def peer_env(run, database_url, *, site_cache):
    env = {
        "PATH": f"{PEER_VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "peersite.settings.bench",
        "SECRET_KEY": run.secret,
        "DATABASE_URL": database_url,
        "CACHE_URL": "redis://127.0.0.1:6379/6",
        "CACHE_KEY_PREFIX": run.cache_prefix(6, "sitecache" if site_cache else "plain"),
        "PEER_STATIC_ROOT": str(run.work / "peer-static"),
        "PEER_SITE_CACHE": "1" if site_cache else "0",
    }
    return env


def prepare_peer(run):
    ensure_peer_venv()
    ensure_peer_project()
    lib.log("Wagtail peer: database, migrations, the demo page")
    url = run.database("peer")
    env = peer_env(run, url, site_cache=False)
    python = PEER_VENV / "bin" / "python"
    manage(env, "makemigrations", "home", "-v0", python=python, cwd=PEER_PROJECT)
    manage(env, "migrate", "--noinput", "-v0", python=python, cwd=PEER_PROJECT)
    manage(env, "collectstatic", "--noinput", "-v0", python=python, cwd=PEER_PROJECT)
    manage(env, "load_peer_page", str(run.work / "demo.json"), python=python, cwd=PEER_PROJECT)
    code = "import django, wagtail; print(wagtail.__version__, django.__version__)"
    version = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return url, {"wagtail": version[0], "django": version[1]}


# --- measuring --------------------------------------------------------------------------------


def start_servers(run, vetted_url, peer_url, args):
    log_dir = run.work
    gunicorn = lib.ROOT / ".venv" / "bin" / "gunicorn"
    servers = {}
    warm = vetted_env(
        run,
        vetted_url,
        CACHE_URL="redis://127.0.0.1:6379/5",
        CACHE_KEY_PREFIX=run.cache_prefix(5, "vetted"),
    )
    servers["vetted"] = lib.Server("vetted", gunicorn, "config.wsgi", warm, log_dir=log_dir)
    # The same, without each process's own copy of pages: every hit asks Redis.
    shared = {**warm, "PAGE_LOCAL_COPY": "0"}
    servers["vetted-nocopy"] = lib.Server(
        "vetted-nocopy", gunicorn, "config.wsgi", shared, log_dir=log_dir
    )
    servers["vetted-nocache"] = lib.Server(
        "vetted-nocache", gunicorn, "config.wsgi", vetted_env(run, vetted_url), log_dir=log_dir
    )
    if peer_url:
        peer_gunicorn = PEER_VENV / "bin" / "gunicorn"
        for name, site_cache in (("wagtail", False), ("wagtail-cache", True)):
            servers[name] = lib.Server(
                name,
                peer_gunicorn,
                "peersite.wsgi",
                peer_env(run, peer_url, site_cache=site_cache),
                cwd=PEER_PROJECT,
                log_dir=log_dir,
            )
    for name, server in servers.items():
        run.start(server, PEER_PATH if name.startswith("wagtail") else "/healthz")
    if VARNISHD.exists() and not args.no_varnish:
        servers["vetted-varnish"] = run.start(Varnish(run, servers["vetted"]), "/")
    elif not args.no_varnish:
        lib.log("varnishd is not installed: no server behind Varnish")
    return servers


class Varnish:
    """A private varnishd on loopback running deploy/varnish/default.vcl in front of `origin`."""

    def __init__(self, run, origin):
        self.name = "vetted-varnish"
        self.port = lib.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        run.work.chmod(0o755)  # varnishd reads the VCL as its own unprivileged user
        vcl = run.work / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{origin.port}";'))
        self.log_path = run.work / "varnishd.log"
        self.process = subprocess.Popen(
            [
                str(VARNISHD),
                "-F",
                "-n",
                str(run.work / "varnish"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-f",
                str(vcl),
                "-s",
                "malloc,256m",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if lib.http_get(self.base + path, timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"varnishd did not answer:\n{self.log_path.read_text()[-2000:]}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_bare(run, sizes):
    """The bare-Django reference, answering as many bytes as Vetted's article page."""
    vetted = [v for k, v in sizes.items() if k.startswith("vetted/") and k != "vetted/baseline"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")} | {
        "PYTHONPATH": str(lib.ROOT),
        "SECRET_KEY": run.secret,
        "BENCH_BARE_BYTES": str(round(sum(vetted) / len(vetted))),
    }
    gunicorn = lib.ROOT / ".venv" / "bin" / "gunicorn"
    server = run.start(lib.Server("bare", gunicorn, "bench.bare.wsgi", env, log_dir=run.work), "/")
    status, body, _ = lib.http_get(server.base + "/")
    assert status == 200
    sizes["bare/reference"] = len(body)
    return server


def page_targets(servers):
    """(server, target, path) for every page measured, and each body's size.

    Each server's baseline answers as many bytes as that server's page (the mean of its
    audiences), so the ratio compares equal amounts of bytes on the wire.
    """
    targets, sizes = [], {}
    for name, server in servers.items():
        pages = list(ARTICLE_PATHS.items()) if name.startswith("vetted") else [("page", PEER_PATH)]
        page_sizes = []
        for target, path in pages:
            status, body, _ = lib.http_get(server.base + path)
            assert status == 200, (name, path, status)
            sizes[f"{name}/{target}"] = len(body)
            page_sizes.append(len(body))
        if name not in BASELINE_OF:
            baseline = f"/__bench__/baseline/{round(sum(page_sizes) / len(page_sizes))}/"
            status, body, _ = lib.http_get(server.base + baseline)
            assert status == 200, (name, baseline, status)
            sizes[f"{name}/baseline"] = len(body)
            targets.append((name, "baseline", baseline))
        targets += [(name, t, p) for t, p in pages]
    return targets, sizes


def measure(servers, targets, args):
    """Every target at every concurrency, alternating, `rounds` times: runs[(s, t, c)] = [..]."""
    runs = collections.defaultdict(list)
    lib.log("warming up every target")
    for name, _, path in targets:
        lib.wrk(servers[name].base + path, connections=4, duration=1)
    total = len(targets) * len(args.concurrency) * args.rounds
    done = 0
    for round_index in range(args.rounds):
        for connections in args.concurrency:
            # Rotate the order each round, so no target always runs first or last.
            shift = (round_index + connections) % len(targets)
            for name, target, path in targets[shift:] + targets[:shift]:
                result = lib.wrk(
                    servers[name].base + path, connections=connections, duration=args.duration
                )
                result["round"] = round_index
                runs[(name, target, connections)].append(result)
                done += 1
                lib.log(
                    f"[{done}/{total}] {name:<14} {target:<9} c={connections:<3} "
                    f"{result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                    f"p99 {result['p99_ms']:7.1f} ms"
                )
    return runs


def ratios(runs, server, target, connections, reference=None):
    """Each round's page/baseline ratio on one server at one concurrency; with `reference`
    (server, target), page/that instead (the bare reference)."""
    base_server, base_target = reference or (BASELINE_OF.get(server, server), "baseline")
    pages = {r["round"]: r["rps"] for r in usable(runs[(server, target, connections)])}
    bases = {r["round"]: r["rps"] for r in usable(runs[(base_server, base_target, connections)])}
    return [pages[i] / bases[i] for i in pages if bases.get(i)]


def usable(results):
    return [r for r in results if r["requests"] >= MIN_REQUESTS]


def summarize(runs, servers, targets, args):
    rows, summary = [], {}
    for name, target, _ in targets:
        for connections in args.concurrency:
            results = usable(runs[(name, target, connections)])
            dropped = len(runs[(name, target, connections)]) - len(results)
            measured = target not in ("baseline", "reference")
            ratio = lib.median(ratios(runs, name, target, connections)) if measured else None
            bare = lib.median(ratios(runs, name, target, connections, BARE)) if measured else None
            rows.append(
                [
                    name,
                    target,
                    connections,
                    lib.fmt(lib.median([r["rps"] for r in results])),
                    lib.fmt(lib.median([r["p50_ms"] for r in results])),
                    lib.fmt(lib.median([r["p99_ms"] for r in results])),
                    "" if ratio is None else f"{ratio:.3f}",
                    "" if bare is None else f"{bare:.3f}",
                    f"{sum(r['bad'] for r in runs[(name, target, connections)])}"
                    + (f" ({dropped} runs < {MIN_REQUESTS} req)" if dropped else ""),
                ]
            )
    for name in servers:
        if name == BARE[0]:
            continue
        pages = [t for s, t, _ in targets if s == name and t != "baseline"]
        every = [
            value
            for target in pages
            for connections in args.concurrency
            for value in ratios(runs, name, target, connections)
        ]
        against_bare = [
            value
            for target in pages
            for connections in args.concurrency
            for value in ratios(runs, name, target, connections, BARE)
        ]
        summary[name] = {
            "bare_median": lib.median(against_bare),
            "bare_min": min(against_bare) if against_bare else None,
            "bare_max": max(against_bare) if against_bare else None,
            "ratio_median": lib.median(every),
            "ratio_min": min(every) if every else None,
            "ratio_max": max(every) if every else None,
            "per_target": {
                target: lib.median(
                    [v for c in args.concurrency for v in ratios(runs, name, target, c)]
                )
                for target in pages
            },
        }
    headers = [
        "server",
        "target",
        "conc",
        "req/s",
        "p50 ms",
        "p99 ms",
        "÷ in-stack",
        "÷ bare",
        "errors",
    ]
    return lib.table(headers, rows), summary


def memory_run(run, vetted_url, args):
    """A fresh production-like Vetted server; RSS of its workers before and after N requests."""
    gunicorn = lib.ROOT / ".venv" / "bin" / "gunicorn"
    env = vetted_env(
        run,
        vetted_url,
        CACHE_URL="redis://127.0.0.1:6379/5",
        CACHE_KEY_PREFIX=run.cache_prefix(5, "memory"),
    )
    server = run.start(lib.Server("memory", gunicorn, "config.wsgi", env, log_dir=run.work), "/")
    for path in ARTICLE_PATHS.values():
        for _ in range(2 * lib.WORKERS):
            lib.http_get(server.base + path)
    before = {pid: lib.memory_kib(pid) for pid in server.worker_pids()}
    started = time.monotonic()
    # wrk waits out its whole duration even when the script stops early, so send short runs
    # until the count is reached (or the time cap, whichever comes first).
    requests, bad = 0, 0
    while requests < args.memory_requests and time.monotonic() - started < args.memory_timeout:
        result = lib.wrk(
            server.base,
            connections=8,
            threads=1,
            duration=2,
            script=lib.BENCH_DIR / "alternate.lua",
            script_args=[args.memory_requests - requests, *ARTICLE_PATHS.values()],
        )
        requests, bad = requests + result["requests"], bad + result["bad"]
    elapsed = time.monotonic() - started
    after = {pid: lib.memory_kib(pid) for pid in server.worker_pids()}
    server.stop()
    return {
        "requests": requests,
        "seconds": round(elapsed, 1),
        "bad": bad,
        "respawned": sorted(set(after) - set(before)),
        "workers": [
            {
                "pid": pid,
                "rss_before_mib": before.get(pid, (0, 0))[0] / 1024,
                "rss_after_mib": rss / 1024,
                "peak_mib": hwm / 1024,
            }
            for pid, (rss, hwm) in sorted(after.items())
        ],
    }


def ensure_py_spy():
    py_spy = lib.ROOT / ".venv" / "bin" / "py-spy"
    if not py_spy.exists():
        lib.log(f"installing py-spy {PY_SPY_VERSION} into .venv (profiling only)")
        subprocess.run(
            [
                str(lib.VENV_PYTHON),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"py-spy=={PY_SPY_VERSION}",
            ],
            check=True,
            timeout=600,
        )
    return py_spy


def profile(run, server, seconds):
    """Sample the server's workers with py-spy while wrk renders both audiences."""
    py_spy = ensure_py_spy()
    out = run.work / f"profile-{server.name}.txt"
    sampler = subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    lib.wrk(
        server.base,
        connections=8,
        threads=1,
        duration=seconds,
        script=lib.BENCH_DIR / "alternate.lua",
        script_args=[0, *ARTICLE_PATHS.values()],
    )
    try:
        _, errors = sampler.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        sampler.kill()
        _, errors = sampler.communicate()
    if not out.exists():
        return {"error": (errors or "py-spy wrote nothing").strip()[-500:]}
    return summarize_profile(out)


def frame_name(frame):
    # py-spy's raw frames read "function (path/to/file.py:line)"; keep "function (file.py)".
    function, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(lib.ROOT) + "/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{function} ({where})"


# Where a busy sample's time goes, judged from the innermost frame that matches a rule.
BUCKETS = [
    ("PostgreSQL round trips (psycopg)", ("psycopg/", "psycopg_binary")),
    ("Redis round trips", ("redis/",)),
    ("JSON decoding/encoding", ("json/", "fields/json.py")),
    ("Markdown and sanitising", ("markdown/", "nh3", "articles/rendering.py")),
    ("ORM: building SQL and model objects", ("django/db/",)),
    ("template rendering", ("django/template/",)),
    ("middleware", ("django/middleware/", "csp/", "whitenoise/", "contrib/sessions/")),
]
APP_DIRS = ("publishing/", "editorial/", "articles/", "reviews/", "references/", "config/")


def bucket(frames):
    for frame in reversed(frames):
        for label, markers in BUCKETS:
            if any(marker in frame for marker in markers):
                return label
    return "other (Django request handling, gunicorn, Python)"


def summarize_profile(path, top=15):
    """Share of busy samples (a request being handled) by kind of work, and by app function."""
    kinds, app = collections.Counter(), collections.Counter()
    busy = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or "handle_request" not in stack:
            continue  # idle: waiting for a connection
        count = int(count)
        busy += count
        frames = [frame_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        kinds[bucket(frames)] += count
        for name in {f for f in frames if f.split(" (", 1)[1].startswith(APP_DIRS)}:
            app[name] += count
    if not busy:
        return {"busy_samples": 0}
    share = lambda n: round(100 * n / busy, 1)  # noqa: E731
    return {
        "busy_samples": busy,
        "kinds": [(name, share(n)) for name, n in kinds.most_common()],
        "app_inclusive": [(name, share(n)) for name, n in app.most_common(top)],
    }


def verdict_line(label, values, kind, target):
    median = values[f"{kind}_median"]
    if median is None:
        return f"  {label:<48} no ratio"
    verdict = ""
    if target is not None:
        verdict = f"  target ≥ {target}: {'met' if median >= target else 'NOT MET'}"
    per = ""
    if kind == "ratio":
        per = ", ".join(f"{t} {v:.3f}" for t, v in values["per_target"].items() if v is not None)
        per += "; "
    return (
        f"  {label:<48} {median:.3f} ({per}range {values[f'{kind}_min']:.3f}–"
        f"{values[f'{kind}_max']:.3f}){verdict}"
    )


def report(args, sizes, table, summary, memory, profiles, versions, started):
    lines = [
        "",
        "# Vetted benchmark",
        "",
        f"Machine: {lib.machine_description()}",
        f"gunicorn {' '.join(lib.GUNICORN_FLAGS)}; wrk -t2, {args.duration:g} s per run, "
        f"{args.rounds} rounds, concurrency {', '.join(map(str, args.concurrency))}",
        "Peer: "
        + (
            f"Wagtail {versions['wagtail']} on Django {versions['django']}"
            if versions
            else "skipped"
        ),
        "Body sizes (bytes): " + ", ".join(f"{k} {v}" for k, v in sizes.items()),
        "",
        "Medians over rounds; ratio = page req/s ÷ baseline req/s of the same server in the same "
        "round at the same concurrency (median of those); wagtail-cache is divided by the plain "
        "wagtail server's baseline, since its cache middleware would cache a baseline too, and "
        "vetted-varnish by the vetted server's behind it. "
        "÷ bare = page req/s ÷ the bare-Django reference's (bench/bare/: SecurityMiddleware and "
        "CommonMiddleware only, constant bytes of the page's size) in the same round.",
        f"Load average (1, 5, 15 min) at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        "",
        table,
        "",
    ]
    labels = {
        "vetted": "Vetted, page cache warm (Redis)",
        "vetted-nocopy": "Vetted, page cache warm, no per-process copy (one Redis read a hit)",
        "vetted-nocache": "Vetted, cache off (every request renders)",
        "wagtail": "Wagtail peer, uncached",
        "wagtail-cache": "Wagtail peer, Django whole-site cache (Redis)",
        "vetted-varnish": "Vetted behind Varnish (deploy/varnish)",
    }
    lines.append("Against the bare-Django reference (issue 17's measure):")
    for name, values in summary.items():
        lines.append(verdict_line(labels[name], values, "bare", BARE_TARGETS.get(name)))
    lines += ["", "Against the in-stack baseline of the same server (the older measure):"]
    for name, values in summary.items():
        lines.append(verdict_line(labels[name], values, "ratio", TARGETS.get(name)))
    if memory:
        lines += [
            "",
            f"Memory: {memory['requests']:,} article requests in {memory['seconds']} s "
            f"(cache warm, {len(memory['workers'])} workers, {memory['bad']} errors)",
        ]
        for worker in memory["workers"]:
            lines.append(
                f"  worker {worker['pid']}: RSS {worker['rss_before_mib']:.1f} MiB after warm-up, "
                f"{worker['rss_after_mib']:.1f} MiB after; peak {worker['peak_mib']:.1f} MiB"
            )
    for name, data in profiles.items():
        samples = data.get("busy_samples", 0)
        lines += ["", f"Profile of {name} under load (py-spy, {samples} busy samples):"]
        if "kinds" not in data:
            lines.append(f"  {data.get('error', 'no samples')}")
            continue
        lines += [f"  {share:5.1f}%  {kind}" for kind, share in data["kinds"]]
        lines.append("  app functions, inclusive:")
        lines += [f"  {share:5.1f}%  {entry}" for entry, share in data["app_inclusive"][:10]]
    lines += ["", f"Whole run: {time.monotonic() - started:.0f} s"]
    return "\n".join(lines)


def main():
    args = parse_args()
    started = time.monotonic()
    lib.ensure_wrk()
    if not lib.postgres_answers():
        sys.exit("PostgreSQL does not answer at 127.0.0.1:5432.")
    if not lib.redis_answers():
        sys.exit("Redis does not answer at 127.0.0.1:6379.")
    run = Run()
    run.secret = lib.secret_key()
    try:
        vetted_url = prepare_vetted(run)
        peer_url, versions = (None, None) if args.no_peer else prepare_peer(run)
        servers = start_servers(run, vetted_url, peer_url, args)
        targets, sizes = page_targets(servers)
        servers["bare"] = start_bare(run, sizes)
        targets.append((*BARE, "/"))
        runs = measure(servers, targets, args)
        table, summary = summarize(runs, servers, targets, args)
        profiles = {}
        if not args.no_profile:
            for name in ("vetted", "vetted-nocache"):
                lib.log(f"profiling {name} for {args.profile_seconds} s")
                profiles[name] = profile(run, servers[name], args.profile_seconds)
        for server in servers.values():
            server.stop()
        lib.log(f"memory: {args.memory_requests:,} article requests to a fresh server")
        memory = memory_run(run, vetted_url, args) if args.memory_requests else None
        text = report(args, sizes, table, summary, memory, profiles, versions, started)
        print(text, flush=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        saved = lib.write_json(
            lib.BENCH_DIR / "results" / f"bench-{stamp}.json",
            {
                "machine": lib.machine_description(),
                "args": vars(args),
                "versions": versions,
                "sizes": sizes,
                "runs": {"|".join(map(str, key)): value for key, value in runs.items()},
                "summary": summary,
                "memory": memory,
                "profiles": profiles,
                "report": text,
            },
        )
        (lib.BENCH_DIR / "results" / f"bench-{stamp}.txt").write_text(text)
        lib.log(f"saved {saved}")
    finally:
        with contextlib.suppress(Exception):
            run.cleanup()


if __name__ == "__main__":
    main()
