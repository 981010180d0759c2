"""Access tokens of private links (256 random bits, stored only as a SHA-256 hash) and read-only item links."""

import hashlib
import hmac
import re
import secrets

from django.core.signing import BadSignature, Signer

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


# --- Read-only links to one item ------------------------------------------------------------------------------------
# A feed's event links to the item's download. The holder's token there would also open the delegation's
# self-service form, so a forwarded event would hand out edit access; the link carries a signature instead,
# good for that one item only and bound to the holder's current token, so rotating the token revokes it.

ITEM_LINK_SALT = "ceremony.item-link"
DELEGATION = "d"
_ITEM_KEY_RE = re.compile(r"\A([a-z])([1-9][0-9]{0,18})\.([A-Za-z0-9_-]{43})\Z")


def _item_link_message(kind, holder_pk, uid, token_hash):
    return f"{kind}{holder_pk}:{uid}:{token_hash}"


def item_link_key(*, uid, kind, holder):
    """The ``key`` parameter that lets ``holder`` (a delegation, ``kind`` DELEGATION) download item ``uid``.

    Deterministic (a plain Signer, no timestamp), so feeds stay byte-identical for identical data.
    """
    message = _item_link_message(kind, holder.pk, uid, holder.token_hash)
    signature = Signer(salt=ITEM_LINK_SALT).sign(message).rsplit(":", 1)[1]
    return f"{kind}{holder.pk}.{signature}"


def item_link_holder(key):
    """``(kind, holder pk)`` named by a key, or None when it is malformed; check it with :func:`item_link_valid`."""
    match = _ITEM_KEY_RE.match(key or "")
    return (match[1], int(match[2])) if match else None


def item_link_valid(key, *, uid, holder):
    """Whether ``key`` was issued for item ``uid`` to ``holder`` as its token stands now."""
    match = _ITEM_KEY_RE.match(key or "")
    if match is None or holder is None or not holder.token_hash:
        return False
    message = _item_link_message(match[1], holder.pk, uid, holder.token_hash)
    try:
        return Signer(salt=ITEM_LINK_SALT).unsign(f"{message}:{match[3]}") == message
    except BadSignature:
        return False
