"""What the benchmark scripts share: databases, gunicorn servers, wrk runs, medians and tables.

Everything here stays on this machine: servers bind 127.0.0.1, wrk targets only them, every run
is bounded in time, and every database and server a script makes is removed by that script.
Only the standard library is used, so the Wagtail peer's virtualenv needs nothing of ours.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Redis databases this project's benchmarks may use; others belong to other people.
REDIS_DBS = range(5, 10)

# The same flags for every server measured, Vetted's and the peer's: two synchronous workers
# (one per core), on loopback, with no access log.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
GUNICORN_FLAGS = [
    "--workers",
    str(WORKERS),
    "--worker-class",
    "sync",
    "--timeout",
    "60",
    "--graceful-timeout",
    "5",
    "--backlog",
    "2048",
]


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- PostgreSQL -------------------------------------------------------------------------------


def psql(sql, database="postgres"):
    """Run one statement with psql (no Python driver needed) and return its output."""
    url = f"{PG_URL}/{database}"
    result = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-XAtqc", sql],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"psql failed on {sql[:80]!r}: {result.stderr.strip()}")
    return result.stdout.strip()


def new_database_name(kind):
    return f"vetted_bench_{kind}_{os.getpid()}_{secrets.token_hex(3)}"


def create_database(name):
    assert name.startswith("vetted_bench_"), name
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG_URL}/{name}"


def drop_database(name):
    assert name.startswith("vetted_bench_"), name
    try:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        log(f"warning: could not drop database {name}: {error}")


def postgres_answers():
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


# --- Redis ------------------------------------------------------------------------------------


def _resp(command):
    data = f"*{len(command)}\r\n".encode()
    for word in command:
        encoded = str(word).encode()
        data += b"$%d\r\n%s\r\n" % (len(encoded), encoded)
    return data


def redis_commands(*commands, timeout=5.0):
    """Send commands in RESP on one connection; the raw replies (bytes), or None if Redis is away.

    The standard library speaks enough Redis for a ping and a cleanup, so the peer's virtualenv
    and the test need no client of their own.
    """
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=timeout) as sock:
            sock.sendall(b"".join(_resp(command) for command in commands))
            reply = b""
            # One line or more per command; a short wait collects them all on loopback.
            while reply.count(b"\r\n") < len(commands):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return reply
    except OSError:
        return None


def redis_answers():
    return redis_commands(["PING"], timeout=2.0) == b"+PONG\r\n"


LUA_DELETE_MATCHING = (
    "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
    "redis.call('DEL', k) n = n + 1 end return n"
)


def redis_delete_prefix(db, prefix):
    """Delete this run's keys (and only them: they share a unique prefix) from Redis `db`."""
    assert db in REDIS_DBS, db
    assert len(prefix) >= 8, prefix
    if redis_commands(["SELECT", db], ["EVAL", LUA_DELETE_MATCHING, 0, f"{prefix}*"]) is None:
        log(f"warning: could not clean Redis db {db}")


# --- servers ----------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url, headers=None, timeout=10):
    """(status, body bytes, headers) of one GET; errors come back as a status, not an exception."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def secret_key():
    return "bench-" + secrets.token_urlsafe(40)


class Server:
    """A gunicorn master with its workers, in its own process group, on 127.0.0.1:port."""

    def __init__(self, name, gunicorn, app, env, *, cwd=ROOT, log_dir, extra=()):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"{name}.log"
        command = [
            str(gunicorn),
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log_path),
            *GUNICORN_FLAGS,
            *extra,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status, _, _ = http_get(self.base + path, timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        raise RuntimeError(f"server {self.name} did not answer {path} in {timeout}s:\n{tail}")

    def worker_pids(self):
        """Pids of this master's worker processes."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self):
        """TERM the master (it stops its workers), then KILL the group if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def memory_kib(pid):
    """(VmRSS, VmHWM) of a process in KiB: resident now and its peak."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


# --- wrk --------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * UNITS[match.group(2)]


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk is missing: installing Debian's package (apt-get install wrk)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, timeout=600)


def wrk(url, *, connections, duration, threads=2, script=None, script_args=(), timeout_s=5):
    """One bounded wrk run against a loopback URL: req/s, p50 and p99 (ms) and counts."""
    assert url.startswith("http://127.0.0.1:"), url
    threads = min(threads, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(duration)}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *map(str, script_args)]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + timeout_s + 30
    )
    out = result.stdout
    if result.returncode:
        raise RuntimeError(f"wrk failed: {result.stderr or out}")
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests": requests,
        "bad": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, errors.groups())) if errors else 0),
    }


# --- numbers and tables -----------------------------------------------------------------------


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(headers, rows):
    """A Markdown table, so the same text goes to the terminal and into docs/performance.md."""
    cells = [[str(header) for header in headers]] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines)


def machine_description():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}){memory}{load}, Python {sys.version.split()[0]}"


def write_json(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str))
    return path
