"""Origin parsing without Django, shared by settings, models and consumers."""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str:
    """Return `scheme://host[:port]` lower-cased, without a default port.

    Raises ValueError for anything that is not an http(s) origin, including
    the opaque origin "null" that sandboxed frames and file:// pages send.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"Not an http(s) origin: {value.strip()[:100]!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"An origin has no path, query or user: {value.strip()[:100]!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"
