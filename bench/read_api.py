"""Read-path benchmark: the public results query through uvicorn, against a bare Starlette baseline.

Run: .venv/bin/python bench/read_api.py [--quick] [--json FILE]
     .venv/bin/python bench/read_api.py --make-run

It builds a temporary SQLite database with ``gongshi demo`` (timed), then, for each round, serves
it with ``gongshi serve`` on a free 127.0.0.1 port (timed to the first answer of the README's
first query) and loads POST /graphql with a 20-item nested ``results`` query at a fixed
concurrency and duration; then it serves the very same answer bytes from a bare Starlette
endpoint (bench/read_baseline.py) under the same uvicorn settings and loads that. Rounds
alternate the order, so that a neighbour's burst on this shared machine hits both sides; the
figure that matters is the GraphQL/baseline ratio, measured within the run.

Load comes from wrk (``apt-get install wrk``) when it is on PATH, else from bench/read_load.py.
``--make-run`` instead times ``make setup`` and ``make run`` in a fresh clone of the committed
main (it needs port 8000, stops what it started, and deletes the clone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # .venv/bin: not resolved, so the venv's scripts are found
README_QUERIES = re.findall(
    r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.DOTALL
)
# The README's first query shape with the second's history: 20 results and every nested field.
RESULTS_QUERY = """{
  results(first: 20) {
    totalCount
    edges { node {
      publishedOn version
      entity { name creditCode }
      department { name }
      item { name }
      categories { code label }
      history { version publishedOn changeReason categories { label } }
    } }
  }
}"""
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "failures": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Settings a developer's shell may carry; the benchmark runs on the defaults (SQLite, in-memory
# rate-limit storage, database search backend).
OWN_SETTINGS = ("GONGSHI_", "DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "VIRTUAL_ENV")
# The anonymous limit (120/minute per IP by default) would refuse a load test after two seconds;
# raised this far, the limiter still runs on every request and never refuses.
UNLIMITED = {"GONGSHI_ANONYMOUS_RATE_LIMIT": "1000000/minute", "GONGSHI_TOKEN_RATE_LIMIT": "1000000/minute"}


def default_env() -> dict[str, str]:
    """This process's environment without any Gongshi setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}


@dataclass
class Load:
    """One measured load run against one server."""

    kind: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    load_average: float


@dataclass
class Report:
    """Everything one invocation measured."""

    date: str
    machine: str
    loader: str
    concurrency: int
    duration_s: int
    response_bytes: int = 0
    response_values: int = 0
    total_results: int = 0
    migrate_s: float = 0.0
    demo_s: float = 0.0
    startup_s: list[float] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    make_run: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1, within ``BENCH_PORTS`` (``8330-8349``) when it is set.

    A shared machine gives each user of it a range of ports; without one, any free port.
    """
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high or low) + 1) if low else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise SystemExit(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def post(url: str, body: bytes, timeout: float = 10.0) -> tuple[int, bytes] | None:
    """POST JSON; the status and bytes of the answer, or None when nothing answers yet."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
    except OSError:
        return None


def graphql_body(query: str) -> bytes:
    """The request body for ``query``."""
    return json.dumps({"query": query}).encode()


def answered(raw: bytes) -> dict[str, Any] | None:
    """The ``data`` of a GraphQL answer without errors, else None."""
    decoded = json.loads(raw)
    return None if decoded.get("errors") or not decoded.get("data") else dict(decoded["data"])


def count_values(value: object) -> int:
    """How many leaf values a decoded JSON answer holds (a measure of the resolver work)."""
    if isinstance(value, dict):
        return sum(count_values(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_values(v) for v in value)
    return 1


class Server:
    """A server subprocess on 127.0.0.1, with its log, its start time and its CPU time."""

    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, port: int, cpus: str | None = None
    ) -> None:
        if cpus is not None:
            command = ["taskset", "-c", cpus, *command]
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.log = log
        self.started = time.perf_counter()
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command, env=env, cwd=log.parent, stdout=sink, stderr=subprocess.STDOUT
            )

    def wait_for(
        self, body: bytes, check: Callable[[bytes], bool], deadline_s: float = 30.0
    ) -> tuple[float, bytes]:
        """Poll until ``check(answer)`` holds; seconds since the start, and the answer.

        Any other answer fails at once: while starting, uvicorn does not answer at all.
        """
        while True:
            got = post(self.url, body, timeout=5.0)
            if got is not None:
                if got[0] == 200 and check(got[1]):
                    return time.perf_counter() - self.started, got[1]
                self.fail(f"unexpected answer {got[0]}: {got[1][:500]!r}")
            if self.process.poll() is not None or time.perf_counter() - self.started > deadline_s:
                self.fail("no answer")
            time.sleep(0.02)

    def fail(self, why: str) -> NoReturn:
        """Stop the server and exit with the end of its log."""
        self.stop()
        raise SystemExit(f"{why}\n{self.log.name}:\n{self.log.read_text(errors='replace')[-3000:]}")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process (all its threads) and of its children
        now running (granian serves from a worker process; uvicorn with one worker has none)."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # a child that has just exited
                continue
            total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK

    def stop(self) -> None:
        """Terminate the process (and only it) and reap it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc/PID/task/*/children)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in children.read_text().split()]
    return found


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, port: int, cpus: str | None = None
) -> Iterator[Server]:
    """Run a server for the duration of the block (on the CPUs ``cpus`` names, taskset's list)."""
    server = Server(command, env, log, port, cpus)
    try:
        yield server
    finally:
        server.stop()


def run_load(
    loader: str, url: str, body_file: Path, concurrency: int, duration: int, cpus: str | None = None
) -> dict[str, int]:
    """One closed-loop load run (on the CPUs ``cpus`` names, taskset's list); the figures the
    loader printed."""
    if loader == "wrk":
        script = body_file.with_suffix(".lua")
        script.write_text(WRK_SCRIPT)
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s", "-s", str(script)]
        command.append(url)
    else:
        command = [sys.executable, str(ROOT / "bench" / "read_load.py"), url, str(body_file)]
        command += ["--concurrency", str(concurrency), "--duration", str(duration)]
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    env = {**os.environ, "BENCH_BODY": str(body_file)}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 60, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"no result from {loader}:\n{out.stdout}\n{out.stderr}")
    figures: dict[str, int] = json.loads(line.removeprefix("BENCH "))
    if figures["failures"] or not figures["requests"]:
        raise SystemExit(f"{loader} saw failures against {url}: {figures}")
    return figures


def measure(kind: str, server: Server, args: argparse.Namespace, body_file: Path) -> Load:
    """Warm ``server`` up, then load it and read its CPU time around the measured run (the loader
    on ``args.load_cpus`` when the caller pins it)."""
    cpus = getattr(args, "load_cpus", None)
    run_load(args.loader, server.url, body_file, args.concurrency, args.warmup, cpus)
    load_average = os.getloadavg()[0]
    cpu = server.cpu_seconds()
    figures = run_load(args.loader, server.url, body_file, args.concurrency, args.duration, cpus)
    cpu = server.cpu_seconds() - cpu
    requests = figures["requests"]
    return Load(
        kind=kind,
        requests=requests,
        rps=requests / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        cpu_ms_per_request=cpu * 1000 / requests,
        load_average=load_average,
    )


def timed(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> float:
    """Seconds a command took; it must succeed."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - began


def graphql_round(args: argparse.Namespace, report: Report, env: dict[str, str], work: Path) -> None:
    """Start ``gongshi serve`` (timed to the README's first answer), check the answer, load it."""
    port = free_port()
    command = [str(BIN / "gongshi"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    query_file, answer_file = work / "results-query.json", work / "results-answer.json"
    with serving(command, env, work / "serve.log", port) as server:
        startup, _ = server.wait_for(graphql_body(README_QUERIES[0]), lambda raw: answered(raw) is not None)
        report.startup_s.append(startup)
        _, answer = server.wait_for(query_file.read_bytes(), lambda raw: answered(raw) is not None)
        if not answer_file.exists():
            answer_file.write_bytes(answer)
            data = answered(answer) or {}
            report.response_bytes = len(answer)
            report.response_values = count_values(data)
            report.total_results = int(data["results"]["totalCount"])
            if len(data["results"]["edges"]) != 20:
                raise SystemExit("the demo data should give a full page of 20 results")
        elif answer != answer_file.read_bytes():
            raise SystemExit("the GraphQL answer changed between rounds")
        report.loads.append(measure("graphql", server, args, query_file))


def baseline_round(args: argparse.Namespace, report: Report, env: dict[str, str], work: Path) -> None:
    """Serve the GraphQL answer's bytes from bare Starlette, check they are the same, load it."""
    port = free_port()
    query_file, answer_file = work / "results-query.json", work / "results-answer.json"
    answer = answer_file.read_bytes()
    command = [sys.executable, str(ROOT / "bench" / "read_baseline.py"), "--port", str(port)]
    command += ["--response", str(answer_file)]
    with serving(command, env, work / "baseline.log", port) as server:
        server.wait_for(query_file.read_bytes(), lambda raw: raw == answer)
        report.loads.append(measure("baseline", server, args, query_file))


def bench_read_path(args: argparse.Namespace, report: Report, work: Path) -> None:
    """Demo and migrate timings, then GraphQL and baseline rounds in alternating order."""
    gongshi = str(BIN / "gongshi")
    clean = {**default_env(), **UNLIMITED}
    scratch = {**clean, "DATABASE_URL": f"sqlite:///{work / 'migrate-only.db'}"}
    report.migrate_s = timed([gongshi, "migrate"], scratch, work)
    env = {**clean, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}"}
    report.demo_s = timed([gongshi, "demo"], env, work)
    (work / "results-query.json").write_bytes(graphql_body(RESULTS_QUERY))
    for number in range(args.rounds):
        # The first round must start with GraphQL: its answer is the baseline's body.
        rounds = [graphql_round, baseline_round] if number % 2 == 0 else [baseline_round, graphql_round]
        for run in rounds:
            run(args, report, env, work)
            last = report.loads[-1]
            print(f"  round {number + 1} {last.kind}: {last.rps:.0f} req/s", file=sys.stderr)


def bench_make_run(report: Report, work: Path) -> None:
    """``make setup`` then ``make run`` in a fresh clone, to the first answer on port 8000."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8000)) == 0:
            print("port 8000 is in use: skipping --make-run", file=sys.stderr)
            return
    clone = work / "clone"
    env = default_env()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(BIN)))
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    report.make_run["setup_s"] = timed(["make", "setup"], env, clone, timeout=900)
    log = work / "make-run.log"
    began = time.perf_counter()
    with log.open("wb") as sink:
        # A session of its own, so that make and the gongshi it starts are stopped together.
        make = subprocess.Popen(
            ["make", "run"], env=env, cwd=clone, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        body = graphql_body(README_QUERIES[0])
        while (got := post("http://127.0.0.1:8000/graphql", body, timeout=5.0)) is None or (
            got[0] != 200 or answered(got[1]) is None
        ):
            if make.poll() is not None or time.perf_counter() - began > 300:
                raise SystemExit(f"make run did not answer:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        report.make_run["run_s"] = time.perf_counter() - began
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)  # the group of the session started above, no other
            try:
                make.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait(timeout=20)
        shutil.rmtree(clone, ignore_errors=True)


def spread(values: list[float], digits: int = 0) -> str:
    """Median with [min–max] of a list of samples."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def render(report: Report) -> str:
    """The report as Markdown tables (median [min–max] over rounds)."""
    lines = [f"{report.date}, {report.machine}"]
    if report.loads:
        lines += render_read_path(report)
    if report.make_run:
        lines += [
            "",
            "| fresh clone of the committed main (`git clone`, then make) | seconds |",
            "|---|---|",
            f"| `make setup`: venv and `pip install -e '.[dev]'` | {report.make_run['setup_s']:.1f} |",
            f"| `make run` (demo, serve) → first README answer | {report.make_run['run_s']:.1f} |",
        ]
    return "\n".join(lines)


def render_read_path(report: Report) -> list[str]:
    """The load and start-up tables."""
    by_kind = {k: [ld for ld in report.loads if ld.kind == k] for k in ("graphql", "baseline")}
    pairs = list(zip(by_kind["graphql"], by_kind["baseline"], strict=True))
    ratios = [100 * g.rps / b.rps for g, b in pairs]
    cpu_ratios = [g.cpu_ms_per_request / b.cpu_ms_per_request for g, b in pairs]
    lines = [
        f"{report.loader}, {report.concurrency} connections, {report.duration_s} s x {len(pairs)} "
        f"round(s); answer {report.response_bytes} bytes: 20 results of {report.total_results}, "
        f"{report.response_values} values",
        "",
        "| measure | req/s | p50 ms | p99 ms | server CPU ms/req |",
        "|---|---|---|---|---|",
    ]
    for kind, label in (("graphql", "GraphQL `results(first: 20)`"), ("baseline", "baseline, same bytes")):
        loads = by_kind[kind]
        digits = 2 if kind == "baseline" else 1
        lines.append(
            f"| {label} | {spread([ld.rps for ld in loads])} | {spread([ld.p50_ms for ld in loads], 1)} "
            f"| {spread([ld.p99_ms for ld in loads], 1)} "
            f"| {spread([ld.cpu_ms_per_request for ld in loads], digits)} |"
        )
    lines.append(f"| GraphQL/baseline | {spread(ratios, 2)} % | | | x{spread(cpu_ratios)} |")
    load_averages = [ld.load_average for ld in report.loads]
    return [
        *lines,
        "",
        "| start-up | seconds |",
        "|---|---|",
        f"| `gongshi serve` (migrated demo db) → first README answer | {spread(report.startup_s, 2)} |",
        f"| `gongshi demo` on an empty database (includes migrating) | {report.demo_s:.1f} |",
        f"| `gongshi migrate` alone on an empty database | {report.migrate_s:.1f} |",
        "",
        f"1-minute load average before the measured runs: {spread(load_averages, 2)}",
    ]


def main() -> None:
    """Parse the command line, run the benchmark, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round of 3 s (a smoke run)")
    parser.add_argument("--rounds", type=int, help="GraphQL/baseline pairs (default 3, quick 1)")
    parser.add_argument("--duration", type=int, help="seconds per measured run (default 10, quick 3)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--make-run", action="store_true", help="instead: time make setup, make run in a fresh clone"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.duration = args.duration or (3 if args.quick else 10)
    args.warmup = 1 if args.quick else args.warmup
    if not (0 < args.duration <= 60 and 0 < args.concurrency <= 64 and 0 < args.rounds <= 10):
        raise SystemExit("bounded runs only: duration ≤ 60 s, concurrency ≤ 64, rounds ≤ 10")
    if args.loader == "auto":
        args.loader = "wrk" if shutil.which("wrk") else "python"
    loader = "bench/read_load.py (Python)"
    if args.loader == "wrk":
        loader = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    report = Report(
        date=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        machine=f"nproc {os.cpu_count()}, Python {platform.python_version()}",
        loader=loader,
        concurrency=args.concurrency,
        duration_s=args.duration,
    )
    with tempfile.TemporaryDirectory(prefix="gongshi-read-bench-") as tmp:
        if args.make_run:
            bench_make_run(report, Path(tmp))
        else:
            bench_read_path(args, report, Path(tmp))
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
