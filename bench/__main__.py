"""`make bench`: chat figures measured over a real daphne on loopback.

Starts its own daphne on a scratch database (SQLite by default; set
DATABASE_URL / REDIS_URL to measure PostgreSQL and Redis), then prints:

- widget.js size, raw and gzipped;
- persisted-before-ack throughput: visitors send as fast as acks come back;
- visitor -> agent latency p50/p99 at fixed offered rates;
- how long the retention purge takes for N expired messages (bench/purge.py);
- search, export and erase of one data subject among N messages (bench/subject.py).

Every loop is bounded by a message count and a deadline. Figures vary with
the machine's load: compare runs on the same machine only.
"""

import argparse
import asyncio
import gzip
import json
import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_daphne(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "chatplatform.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("daphne did not start: " + proc.stderr.read().decode()[-2000:])


async def visitor_session(ws_url: str, site_key: str):
    import websockets

    ws = await websockets.connect(f"{ws_url}/ws/visitor/{site_key}/", origin=ORIGIN, max_size=2**20)
    await ws.recv()  # welcome
    await ws.send(json.dumps({"type": "session.start"}))
    await ws.recv()  # session
    return ws


async def recv_type(ws, frame_type: str, timeout: float = 10):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == frame_type:
            return frame


async def throughput(ws_url: str, site_key: str, visitors: int, per_visitor: int) -> tuple[int, float]:
    """Each visitor sends its next message once the previous one is acked (stored and committed)."""
    sockets = [await visitor_session(ws_url, site_key) for _ in range(visitors)]

    async def run(ws) -> int:
        for i in range(per_visitor):
            await ws.send(
                json.dumps({"type": "message.send", "client_id": uuid.uuid4().hex, "body": f"bench {i}"})
            )
            await recv_type(ws, "message.ack")
        return per_visitor

    started = time.perf_counter()
    done = sum(await asyncio.wait_for(asyncio.gather(*(run(ws) for ws in sockets)), timeout=300))
    elapsed = time.perf_counter() - started
    for ws in sockets:
        await ws.close()
    return done, elapsed


async def latency(
    ws_url: str, site_key: str, cookie: str, port: int, rate: int, seconds: float
) -> list[float]:
    """Offer `rate` msg/s from 20 visitors for `seconds`; time each from send to the agent's message.new."""
    import websockets

    agent = await websockets.connect(
        f"{ws_url}/ws/agent/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        max_size=2**22,
    )
    await agent.recv()  # welcome
    sockets = [await visitor_session(ws_url, site_key) for _ in range(20)]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    total = int(rate * seconds)

    async def agent_reader():
        while len(latencies) < total:
            frame = json.loads(await agent.recv())
            if frame["type"] == "message.new" and frame["message"]["client_id"] in sent:
                latencies.append(time.perf_counter() - sent.pop(frame["message"]["client_id"]))

    async def drain(ws):
        async for _ in ws:
            pass

    readers = [asyncio.create_task(drain(ws)) for ws in sockets]
    reader = asyncio.create_task(agent_reader())
    interval, start = 1 / rate, time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
        client_id = uuid.uuid4().hex
        sent[client_id] = time.perf_counter()
        await sockets[i % len(sockets)].send(
            json.dumps({"type": "message.send", "client_id": client_id, "body": "ping"})
        )
    try:
        await asyncio.wait_for(reader, timeout=30)
    except TimeoutError:
        reader.cancel()
    for task in readers:
        task.cancel()
    for ws in [agent, *sockets]:
        await ws.close()
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--per-visitor", type=int, default=50)
    parser.add_argument("--rates", default="100,500", help="offered msg/s for the latency runs")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--purge-messages", type=int, default=1_000_000, help="expired messages to purge (0 skips)"
    )
    parser.add_argument(
        "--subject-messages",
        type=int,
        default=1_000_000,
        help="messages among which one subject is searched, exported and erased (0 skips)",
    )
    args = parser.parse_args()

    widget = (ROOT / "static" / "widget" / "widget.js").read_bytes()
    print(
        f"widget.js: {len(widget) / 1024:.1f} KiB raw, {len(gzip.compress(widget, 9)) / 1024:.1f} KiB gzipped"
    )

    scratch = tempfile.mkdtemp(prefix="chatbench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",  # DEBUG would record every query, as a local .env may ask
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3",
        "VAR_DIR": scratch,
        "LOG_LEVEL": "WARNING",
    }
    database = env["DATABASE_URL"].split(":", 1)[0]
    layer = "redis" if env.get("REDIS_URL") else "in-memory"
    print(f"database: {database}, channel layer: {layer}, one daphne process")
    site_key, cookie = prepare_database(env)
    port = free_port()
    daphne = start_daphne(env, port)
    ws_url = f"ws://127.0.0.1:{port}"
    try:
        done, elapsed = asyncio.run(throughput(ws_url, site_key, args.visitors, args.per_visitor))
        print(
            f"persisted-before-ack: {done} messages from {args.visitors} visitors in {elapsed:.2f} s "
            f"= {done / elapsed:.0f} msg/s"
        )
        for rate in (int(r) for r in args.rates.split(",")):
            lat = asyncio.run(latency(ws_url, site_key, cookie, port, rate, args.seconds))
            expected = int(rate * args.seconds)
            print(
                f"visitor->agent at {rate} msg/s offered: {len(lat)}/{expected} delivered, "
                f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms"
            )
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)
    if args.purge_messages:
        from bench import purge

        purge.run(args.purge_messages)
    if args.subject_messages:
        from bench import subject

        subject.run(args.subject_messages)


if __name__ == "__main__":
    main()
