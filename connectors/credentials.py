"""A connector's secret: made here, shown once, kept only as a hash.

The secret is 256 random bits, so a plain SHA-256 is enough to keep it: a slow password
hash guards guessable secrets, and this one cannot be guessed.
"""

import hashlib
import hmac
import secrets

ALGORITHM = "sha256"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return f"{ALGORITHM}${hashlib.sha256(secret.encode()).hexdigest()}"


def secret_matches(secret: str, secret_hash: str) -> bool:
    """Whether ``secret`` is the one ``secret_hash`` was made from, in constant time."""
    return hmac.compare_digest(hash_secret(secret).encode(), secret_hash.encode())
