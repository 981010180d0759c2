"""Access tokens of private links: 256 random bits, stored only as a SHA-256 hash."""

import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 - a pattern, not a secret
_TOKEN_RE = re.compile(rf"\A{TOKEN_PATTERN}\Z")


def new_token():
    """A fresh raw token and its hash: show the first once, store the second."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def find_by_token(queryset, raw):
    """The one object of ``queryset`` whose ``token_hash`` matches ``raw``, or None.

    The lookup is by hash, so response time says nothing about the raw token;
    the final comparison is constant-time all the same.
    """
    if not raw or not _TOKEN_RE.match(raw):
        return None
    digest = hash_token(raw)
    obj = queryset.filter(token_hash=digest).first()
    if obj is None or not hmac.compare_digest(obj.token_hash, digest):
        return None
    return obj
