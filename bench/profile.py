"""Where one daphne's CPU goes while it stores messages: py-spy samples, summarised.

`py-spy record --gil --format raw` samples only the thread that holds the GIL,
that is Python code running on a CPU (not threads waiting for PostgreSQL or
Redis), and writes one line per distinct stack with its sample count
("frame;frame;...;leaf N"). `summarise` buckets the samples by the innermost
frame that belongs to a known layer and lists the busiest leaf functions.
py-spy is optional (`pip install py-spy`); without it the profile is skipped.
"""

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# (bucket, substrings of a frame); checked from the innermost frame outwards.
BUCKETS = [
    ("PostgreSQL round trip / commit wait (psycopg)", ("psycopg/", "psycopg_binary")),
    ("SQLite (sqlite3 C calls)", ("sqlite3/", "(sqlite3")),
    ("Redis round trip (channels_redis, redis-py)", ("channels_redis/", "redis/asyncio", "redis/_parsers")),
    ("JSON encode/decode", ("json/",)),
    ("Django SQL compiler and ORM", ("django/db/models/", "django/db/backends/")),
    ("thread-pool hop (asgiref sync/async)", ("asgiref/",)),
    ("websocket framing (autobahn, twisted)", ("autobahn/", "twisted/")),
    ("channels consumers/layers", ("channels/",)),
    (
        "application code (conversations, accounts, privacy, integrations)",
        (
            "conversations/",
            "accounts/",
            "privacy/",
            "integrations/",
        ),
    ),
]


def available() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    binary = available()
    if binary is None:
        print("profile: py-spy not installed (pip install py-spy); skipped")
        return None
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
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
    )


def summarise(path: Path, top: int = 12) -> str:
    buckets: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[frames[-1]] += n
        buckets[_innermost_bucket(frames)] += n
    if not total:
        return "profile: no samples"
    lines = [f"profile: {total} samples of the thread holding the GIL, by innermost known layer:"]
    for name, n in buckets.most_common():
        lines.append(f"  {100 * n / total:5.1f} %  {name}")
    lines.append("busiest leaf functions:")
    for frame, n in leaves.most_common(top):
        lines.append(f"  {100 * n / total:5.1f} %  {frame[:150]}")
    return "\n".join(lines)


def _innermost_bucket(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in BUCKETS:
            if any(needle in frame for needle in needles):
                return name
    return "other (interpreter, stdlib, event loop)"
