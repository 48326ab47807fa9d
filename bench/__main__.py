"""`make bench`: chat figures measured over real daphne processes on loopback.

Starts its own daphne on a scratch database (SQLite by default; set
DATABASE_URL / REDIS_URL to measure PostgreSQL and Redis; the database is
written to, so name one of its own), then prints:

- widget.js size, raw and gzipped;
- SQL statements per stored message, and on PostgreSQL the cost of one commit;
- persisted-before-ack throughput: visitors send as fast as acks come back,
  over 1 daphne process, and over 2 and 4 with Redis (`--processes`);
- where one daphne's time goes while it stores messages (`--profile`, py-spy);
- visitor -> agent latency p50/p99 at fixed offered rates, many visitors and
  one agent socket, with the achieved rate when the server saturates;
- idle visitor sockets held by one daphne and its memory per socket (`--idle-sockets`);
- how long the retention purge takes for N expired messages (bench/purge.py);
- search, export and erase of one data subject among N messages (bench/subject.py).

The daphne processes run with the per-socket rate limits raised (CHAT_RATE_*):
these figures are about the server, and a few sockets stand in for many
visitors. Every loop is bounded by a message count and a deadline. Figures
vary with the machine's load (printed): compare runs on the same machine only.
"""

import argparse
import asyncio
import gzip
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "http://bench.localhost"
UNLIMITED = {
    **{
        f"CHAT_RATE_{role}_{kind}": "1000000"
        for role in ("VISITOR", "AGENT")
        for kind in ("MESSAGES", "FRAMES")
    },
    # The load comes from one address: the abuse limits (0: off) would stop it at once.
    **{
        f"CHAT_LIMIT_{name}": "0"
        for name in (
            "NEW_VISITORS_PER_ADDRESS",
            "NEW_VISITORS_PER_SITE",
            "NEW_CONVERSATIONS_PER_ADDRESS",
            "NEW_CONVERSATIONS_PER_SITE",
            "SOCKETS_PER_ADDRESS",
        )
    },
    "EMAIL_URL": "dummymail://",
    "CHAT_ENV_FILE": os.devnull,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends() -> list[int]:
    """PostgreSQL only: pids of the server processes serving this database (the daphnes' connections)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def raise_fd_limit() -> int:
    """Raise this process's (and so its children's) open-file limit to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def prepare_database(env: dict) -> tuple[str, str]:
    """Migrate the scratch database; create a site and an agent session. Returns (site key, cookie)."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from accounts.services import agent_create, site_create

    site = site_create(name="Bench", origins=[ORIGIN])
    agent = agent_create(
        site=site,
        email=f"{uuid.uuid4().hex[:8]}@bench.example",
        name="Bench",
        role="agent",
        password=uuid.uuid4().hex,
    )
    client = Client()
    client.force_login(agent)
    return site.key, f"sessionid={client.cookies['sessionid'].value}"


def start_daphne(env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--access-log",
                "/dev/null",
                "chatplatform.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("daphne did not start: " + log.read_text()[-2000:])


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def visitor_session(ws_url: str, site_key: str):
    import websockets

    ws = await websockets.connect(f"{ws_url}/ws/visitor/{site_key}/", origin=ORIGIN, max_size=2**20)
    await ws.recv()  # welcome
    await ws.send(json.dumps({"type": "session.start"}))
    await recv_type(ws, "session")
    return ws


async def recv_type(ws, frame_type: str, timeout: float = 30):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == frame_type:
            return frame
        if frame["type"] == "error":
            raise RuntimeError(f"server refused a frame: {frame}")


async def open_visitors(ws_urls: list[str], site_key: str, count: int) -> list:
    """`count` visitor sockets spread over the servers; each has posted once (its conversation exists)."""
    sockets = [await visitor_session(ws_urls[i % len(ws_urls)], site_key) for i in range(count)]
    for ws in sockets:
        await ws.send(json.dumps({"type": "message.send", "client_id": uuid.uuid4().hex, "body": "hello"}))
        await recv_type(ws, "message.ack")
    return sockets


async def throughput(ws_urls: list[str], site_key: str, visitors: int, per_visitor: int) -> tuple[int, float]:
    """Each visitor sends its next message once the previous one is acked (stored and committed)."""
    sockets = await open_visitors(ws_urls, site_key, visitors)

    async def run(ws) -> int:
        for i in range(per_visitor):
            await ws.send(
                json.dumps({"type": "message.send", "client_id": uuid.uuid4().hex, "body": f"bench {i}"})
            )
            await recv_type(ws, "message.ack")
        return per_visitor

    started = time.perf_counter()
    done = sum(await asyncio.wait_for(asyncio.gather(*(run(ws) for ws in sockets)), timeout=600))
    elapsed = time.perf_counter() - started
    for ws in sockets:
        await ws.close()
    return done, elapsed


async def latency(
    ws_urls: list[str], site_key: str, cookie: str, port: int, rate: int, seconds: float, visitors: int
) -> dict:
    """Offer `rate` msg/s from `visitors` visitors for `seconds`; time each send -> agent's message.new.

    The visitors are spread over the daphne processes of `ws_urls`; the agent is on the first.
    """
    import websockets

    ws_url = ws_urls[0]
    agent = await websockets.connect(
        f"{ws_url}/ws/agent/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        max_size=2**22,
    )
    await recv_type(agent, "welcome")
    sockets = await open_visitors(ws_urls, site_key, visitors)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    acked = 0
    total = int(rate * seconds)
    last_delivery = 0.0

    async def agent_reader():
        nonlocal last_delivery
        while len(latencies) < total:
            frame = json.loads(await agent.recv())
            if frame["type"] == "message.new" and frame["message"]["client_id"] in sent:
                last_delivery = time.perf_counter()
                latencies.append(last_delivery - sent.pop(frame["message"]["client_id"]))

    async def visitor_reader(ws):
        nonlocal acked
        async for raw in ws:
            if json.loads(raw)["type"] == "message.ack":
                acked += 1

    readers = [asyncio.create_task(visitor_reader(ws)) for ws in sockets]
    reader = asyncio.create_task(agent_reader())
    interval, start = 1 / rate, time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
        client_id = uuid.uuid4().hex
        sent[client_id] = time.perf_counter()
        await sockets[i % len(sockets)].send(
            json.dumps({"type": "message.send", "client_id": client_id, "body": "ping"})
        )
    offered_for = time.perf_counter() - start
    acked_in_window = acked
    try:
        # Bounded: a saturated server gets this long to work off its queue before the next run.
        await asyncio.wait_for(reader, timeout=max(60, 4 * seconds))
    except TimeoutError:
        reader.cancel()
    for task in readers:
        task.cancel()
    for ws in [agent, *sockets]:
        await ws.close()
    return {
        "latencies": latencies,
        "total": total,
        "offered_for": offered_for,
        "acked_in_window": acked_in_window,
        "achieved": len(latencies) / (last_delivery - start) if latencies else 0.0,
    }


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else float("nan")


# --- figures computed inside this process ----------------------------------------------


def queries_per_message(site_key: str) -> str:
    """SQL statements of message_post_by_visitor: a visitor's first message, then a later one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Site
    from conversations.services import message_post_by_visitor, visitor_create

    site = Site.objects.get(key=site_key)
    visitor, _ = visitor_create(site=site)
    counts = []
    for i in range(3):
        with CaptureQueriesContext(connection) as captured:
            message_post_by_visitor(visitor=visitor, client_id=f"q{i}-{uuid.uuid4().hex}", body="count me")
        counts.append(len(captured.captured_queries))
    with CaptureQueriesContext(connection) as captured:
        message_post_by_visitor(visitor=visitor, client_id=f"q2-{uuid.uuid4().hex[:8]}", body="count me")
    statements = "; ".join(q["sql"].split(" ")[0] + " " + _table(q["sql"]) for q in captured.captured_queries)
    return (
        f"SQL statements per visitor message: {counts[0]} for a visitor's first (opens the conversation), "
        f"{counts[2]} for a later one, incl. transaction control\n  later one: {statements}"
    )


def _table(sql: str) -> str:
    for word in ("FROM", "INTO", "UPDATE"):
        if f"{word} " in sql:
            return sql.split(f"{word} ", 1)[1].split(" ", 1)[0].strip('"')
    return ""


def commit_cost(rounds: int = 200) -> str:
    """PostgreSQL only: one small INSERT + COMMIT, with synchronous_commit on and off."""
    from django.db import connection, transaction

    # A real table: a temporary one is not WAL-logged, so its commits would not wait for a flush.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id serial PRIMARY KEY, v text)")
    results = {}
    try:
        for mode in ("on", "off"):
            started = time.perf_counter()
            for _ in range(rounds):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL synchronous_commit = {mode}")
                    cursor.execute("INSERT INTO bench_commit_probe (v) VALUES ('x')")
            results[mode] = (time.perf_counter() - started) / rounds * 1000
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_commit_probe")
    return (
        f"PostgreSQL commit of a small write: {results['on']:.2f} ms with synchronous_commit=on (durable), "
        f"{results['off']:.2f} ms with it off"
    )


# --- parts ------------------------------------------------------------------------------


def idle_sockets(env: dict, site_key: str, count: int, scratch: Path) -> None:
    fd_limit = raise_fd_limit()
    port = free_port()
    daphne = start_daphne(env, port, scratch / "daphne-idle.log")
    ws_url = f"ws://127.0.0.1:{port}"
    try:
        # Warm up: load the code paths a socket uses before taking the baseline.
        warm = subprocess.run(
            [sys.executable, "-m", "bench.idle", ws_url, site_key, "20", ORIGIN],
            cwd=ROOT,
            input="\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        if warm.returncode:
            print("idle sockets: warm-up failed:", warm.stderr[-1000:])
            return
        time.sleep(1)
        before = vm_rss_kib(daphne.pid)
        started = time.perf_counter()
        gen = subprocess.Popen(
            [sys.executable, "-m", "bench.idle", ws_url, site_key, str(count), ORIGIN],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        connected = json.loads(gen.stdout.readline() or "{}")
        elapsed = time.perf_counter() - started
        time.sleep(2)  # let the server settle, then hold them all a little longer
        after = vm_rss_kib(daphne.pid)
        time.sleep(3)
        gen.stdin.write("\n")
        gen.stdin.flush()
        still = json.loads(gen.stdout.readline() or "{}")
        gen.wait(timeout=60)
        n = connected.get("connected", 0)
        per = (after - before) / n if n else float("nan")
        print(
            f"idle visitor sockets on one daphne (fd limit {fd_limit}): {n}/{count} opened "
            f"in {elapsed:.1f} s (failed {connected.get('failed')}, {dict(connected.get('errors', {}))}), "
            f"{still.get('open')} still open after holding; "
            f"RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB = {per:.1f} KiB per socket; "
            f"{'held' if still.get('open') == count else 'NOT held'} (load {loadavg()})"
        )
    finally:
        stop([daphne])


def throughput_on(env: dict, site_key: str, processes: int, args, scratch: Path, profile: float) -> None:
    from bench import profile as spy

    ports = [free_port() for _ in range(processes)]
    procs = [start_daphne(env, port, scratch / f"daphne-{port}.log") for port in ports]
    recorder = None
    try:
        if profile:
            recorder = spy.record(procs[0].pid, profile, scratch / "profile.raw")
        # CPU time per message depends far less on what else the machine runs than msg/s does.
        backends_before = {pid: cpu_seconds(pid) for pid in database_backends()}
        daphne_before, own_before = sum(cpu_seconds(p.pid) for p in procs), time.process_time()
        done, elapsed = asyncio.run(
            throughput([f"ws://127.0.0.1:{p}" for p in ports], site_key, args.visitors, args.per_visitor)
        )
        daphne_cpu = sum(cpu_seconds(p.pid) for p in procs) - daphne_before
        own_cpu = time.process_time() - own_before
        backends = {pid: cpu_seconds(pid) for pid in database_backends()}
        pg_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends.items())
        per = 1000 / done
        print(
            f"persisted-before-ack over {processes} daphne process(es): {done} messages from "
            f"{args.visitors} visitors in {elapsed:.2f} s = {done / elapsed:.0f} msg/s (load {loadavg()})\n"
            f"  CPU per message: daphne {daphne_cpu * per:.2f} ms, "
            + (f"PostgreSQL backends {pg_cpu * per:.2f} ms, " if backends else "")
            + f"load generator {own_cpu * per:.2f} ms; "
            f"daphne busy {100 * daphne_cpu / elapsed / processes:.0f} % of a core per process"
        )
        if recorder is not None:
            recorder.wait(timeout=profile + 60)
            if (scratch / "profile.raw").exists():
                print(spy.summarise(scratch / "profile.raw"))
            else:
                print("profile: py-spy wrote nothing:", recorder.stderr.read().decode()[-500:])
    finally:
        stop(procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=20, help="visitors of the throughput runs")
    parser.add_argument("--per-visitor", type=int, default=50)
    parser.add_argument(
        "--processes",
        default="1,2,4",
        help="daphne processes of each throughput run (more than 1 needs REDIS_URL)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        help="py-spy the daphne of the 1-process run for this many seconds (0: no profile)",
    )
    parser.add_argument("--rates", default="100,500", help="offered msg/s for the latency runs")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--latency-visitors", type=int, default=100)
    parser.add_argument(
        "--latency-processes",
        type=int,
        default=1,
        help="daphne processes the latency runs spread their visitors over (more than 1 needs REDIS_URL)",
    )
    parser.add_argument(
        "--idle-sockets", type=int, default=1000, help="idle visitor sockets to hold (0 skips)"
    )
    parser.add_argument(
        "--purge-messages", type=int, default=100_000, help="expired messages to purge (0 skips)"
    )
    parser.add_argument(
        "--subject-messages",
        type=int,
        default=100_000,
        help="messages among which one subject is searched, exported and erased (0 skips)",
    )
    args = parser.parse_args()

    widget = (ROOT / "static" / "widget" / "widget.js").read_bytes()
    print(
        f"widget.js: {len(widget) / 1024:.1f} KiB raw, {len(gzip.compress(widget, 9)) / 1024:.1f} KiB gzipped"
    )

    scratch = Path(tempfile.mkdtemp(prefix="chatbench-"))
    env = {
        **os.environ,
        **UNLIMITED,
        "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "DEBUG": "0",  # DEBUG would record every query, as a local .env may ask
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3",
        "VAR_DIR": str(scratch),
        "LOG_LEVEL": "WARNING",
    }
    database = env["DATABASE_URL"].split(":", 1)[0]
    layer = "redis" if env.get("REDIS_URL") else "in-memory"
    print(f"database: {database}, channel layer: {layer}, {os.cpu_count()} CPUs, load average {loadavg()}")
    site_key, cookie = prepare_database(env)
    print(queries_per_message(site_key))
    if database.startswith("postgres"):
        print(commit_cost())

    counts = [int(n) for n in args.processes.split(",") if n]
    for processes in counts:
        if processes > 1 and layer != "redis":
            print(f"persisted-before-ack over {processes} processes: skipped (needs REDIS_URL)")
            continue
        throughput_on(env, site_key, processes, args, scratch, args.profile if processes == 1 else 0)

    if args.latency_processes > 1 and layer != "redis":
        raise SystemExit("--latency-processes above 1 needs REDIS_URL")
    ports = [free_port() for _ in range(args.latency_processes)]
    daphnes = [start_daphne(env, p, scratch / f"daphne-latency-{p}.log") for p in ports]
    ws_urls = [f"ws://127.0.0.1:{p}" for p in ports]
    try:
        for rate in (int(r) for r in args.rates.split(",") if r):
            result = asyncio.run(
                latency(ws_urls, site_key, cookie, ports[0], rate, args.seconds, args.latency_visitors)
            )
            lat, expected = result["latencies"], result["total"]
            saturated = len(lat) < expected or result["achieved"] < 0.9 * rate
            print(
                f"visitor->agent at {rate} msg/s offered ({args.latency_visitors} visitors over "
                f"{len(ports)} daphne(s), 1 agent): "
                f"{len(lat)}/{expected} delivered, p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms; "
                f"achieved {result['achieved']:.0f} msg/s, {result['acked_in_window']} acked while offering"
                f"{' - SATURATED' if saturated else ''} (load {loadavg()})"
            )
    finally:
        stop(daphnes)

    if args.idle_sockets:
        idle_sockets(env, site_key, args.idle_sockets, scratch)
    if args.purge_messages:
        from bench import purge

        purge.run(args.purge_messages)
    if args.subject_messages:
        from bench import subject

        subject.run(args.subject_messages)
    print(f"load average at the end: {loadavg()}")


if __name__ == "__main__":
    main()
