"""Load generator for the idle-socket figure, run by bench/__main__.py in a process of its own.

`python -m bench.idle WS_URL SITE_KEY COUNT ORIGIN` opens COUNT visitor sockets
(each completes `welcome` and `session.start`), prints one JSON line
{"connected": n, "failed": m, "errors": {...}}, then waits for a line on stdin,
counts how many sockets are still open, prints {"open": k} and closes them.
It raises its own file-descriptor limit to the hard limit first.
"""

import asyncio
import json
import resource
import sys
from collections import Counter

CONCURRENCY = 100


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def open_one(ws_url: str, site_key: str, origin: str):
    import websockets

    ws = await websockets.connect(
        f"{ws_url}/ws/visitor/{site_key}/", origin=origin, open_timeout=60, ping_interval=None
    )
    try:
        async with asyncio.timeout(60):
            assert json.loads(await ws.recv())["type"] == "welcome"
            await ws.send(json.dumps({"type": "session.start"}))
            while json.loads(await ws.recv())["type"] != "session":
                pass
    except BaseException:
        ws.transport.abort()
        raise
    return ws


async def drain(ws) -> None:
    """Read and drop pushes (presence), so that no socket backs up."""
    try:
        async for _ in ws:
            pass
    except Exception:
        pass


async def main(ws_url: str, site_key: str, count: int, origin: str) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    errors: Counter = Counter()
    sockets = []

    async def one() -> None:
        async with limit:
            try:
                sockets.append(await open_one(ws_url, site_key, origin))
            except Exception as exc:
                errors[type(exc).__name__] += 1

    await asyncio.gather(*(one() for _ in range(count)))
    readers = [asyncio.create_task(drain(ws)) for ws in sockets]
    report = {"connected": len(sockets), "failed": sum(errors.values()), "errors": errors}
    print(json.dumps(report), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    from websockets.protocol import State

    print(json.dumps({"open": sum(ws.protocol.state is State.OPEN for ws in sockets)}), flush=True)
    for task in readers:
        task.cancel()
    for ws in sockets:
        ws.transport.abort()


if __name__ == "__main__":
    raise_fd_limit()
    url, key, n, org = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    asyncio.run(main(url, key, n, org))
