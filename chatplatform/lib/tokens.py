"""Random bearer tokens that are stored only as a hash."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # The token has 256 random bits, so a plain SHA-256 cannot be brute-forced;
    # a slow password hash would only slow down every reconnect.
    return hashlib.sha256(token.encode()).hexdigest()
