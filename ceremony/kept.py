"""One copy of something built from the data (a calendar, a page), kept for every process that shares the cache.

A copy is kept under a stable key with the version it was built for (the ETag of the data it shows), so each
calendar or page holds one entry however often it changes, and an old copy is replaced rather than left to
expire. After an edit, the many readers asking at once (calendar apps polling) do not each build it: the first to
claim the build makes it, the others wait for its copy, or build their own if it takes too long.
"""

import hashlib
import logging
import time

from django.core.cache import cache

KEEP_SECONDS = 24 * 3600
# A build takes well under a second; a crashed builder's claim lapses after CLAIM_SECONDS.
WAIT_SECONDS = 5
CLAIM_SECONDS = 30

logger = logging.getLogger(__name__)


def digest(*parts):
    """A short stable name for ``parts``, for a cache key."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:40]


def _current(key, version):
    kept = cache.get(key)
    return kept[1] if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == version else None


def kept_copy(key, *, version, build, what):
    """The copy kept under ``key`` if it was built for ``version``, else ``build()``'s, kept for the others.

    ``what`` names it in the log line each build writes (with its time and size).
    """
    copy = _current(key, version)
    if copy is not None:
        return copy
    claim = f"{key}:building:{version}"
    claimed = cache.add(claim, 1, timeout=CLAIM_SECONDS)
    if claimed:
        # Another reader may have kept the copy and let go of its claim between our look and our claim.
        copy = _current(key, version)
        if copy is not None:
            cache.delete(claim)
            return copy
    else:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            copy = _current(key, version)
            if copy is not None:
                return copy
    started = time.perf_counter()
    try:
        copy = build()
        cache.set(key, (version, copy), timeout=KEEP_SECONDS)
    finally:
        if claimed:
            cache.delete(claim)
    logger.info("Built %s in %.0f ms, %d bytes", what, 1000 * (time.perf_counter() - started), len(copy))
    return copy
