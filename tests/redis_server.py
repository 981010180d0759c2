"""The machine's Redis (127.0.0.1:6379), which .ci/run starts; tests that need it are skipped, saying so, without."""

import socket

ADDRESS = ("127.0.0.1", 6379)
SKIP_REASON = "no Redis on 127.0.0.1:6379 (.ci/run starts one)"


def up():
    """Whether Redis answers on ``ADDRESS``."""
    try:
        socket.create_connection(ADDRESS, timeout=1).close()
    except OSError:
        return False
    return True
