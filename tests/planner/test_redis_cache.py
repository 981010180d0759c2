"""The Redis cache that REDIS_URL turns on: what is kept is read back, from threads and after a fork, and a cache
operation does not pay for a new Redis client each time."""

import json
import multiprocessing
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils.module_loading import import_string

from tests import redis_server
from tests.planner.test_settings import run_settings

REDIS = redis_server.ADDRESS
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.CACHES['default']))"
)


def _configured(tmp_path):
    """The cache settings REDIS_URL gives, pointing at this machine's Redis (database 13)."""
    result = run_settings(tmp_path, PROBE, DJANGO_DEBUG="1", REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/13")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def cache(tmp_path):
    if not redis_server.up():
        pytest.skip(redis_server.SKIP_REASON)
    config = _configured(tmp_path)
    params = {**config, "KEY_PREFIX": f"test-redis-cache-{secrets.token_hex(4)}"}
    backend = import_string(config["BACKEND"])(config["LOCATION"], params)
    yield backend
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{params['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


def test_a_kept_value_is_read_back_and_replaced(cache):
    page = "<main>" + "programme " * 5_000 + "</main>"
    cache.set("page", page, timeout=60)
    cache.set_many({"a": 1, "b": b"\x00bytes"}, timeout=60)

    assert cache.get("page") == page
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": b"\x00bytes"}
    cache.set("page", "changed", timeout=60)
    assert cache.get("page") == "changed"
    cache.delete("page")
    assert cache.get("page", "gone") == "gone"


def test_one_redis_client_serves_every_operation_of_a_worker(cache):
    """Django's own client makes a new redis.Redis for each get and set; building one costs about as much as
    reading a kept page back."""
    clients = set()
    for number in range(20):
        cache.set(f"key-{number}", number, timeout=60)
        assert cache.get(f"key-{number}") == number
        clients.add(id(cache._cache.get_client()))
        clients.add(id(cache._cache.get_client(write=True)))

    assert len(clients) == 1


def test_threads_sharing_the_client_each_read_their_own_values(cache):
    def worker(number):
        wrong = []
        for round_ in range(100):
            key, value = f"thread-{number}", f"{number}-{round_}"
            cache.set(key, value, timeout=60)
            if cache.get(key) != value:
                wrong.append((key, value))
        return wrong

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))

    assert results == [[]] * 8


def _in_child(cache, queue):
    try:
        queue.put((cache.get("from-parent"), cache.set("from-child", "hello", timeout=60)))
    except Exception as error:  # reported to the parent, which fails the test
        queue.put(repr(error))


def test_a_forked_worker_uses_the_cache_on_connections_of_its_own(cache):
    """gunicorn forks its workers: a client kept before the fork must not hand a child the parent's socket."""
    cache.set("from-parent", "kept", timeout=60)  # the parent has a connection open now
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(cache, queue))
    child.start()
    answer = queue.get(timeout=30)
    child.join(timeout=30)

    assert answer == ("kept", None)
    assert cache.get("from-child") == "hello"
    assert cache.get("from-parent") == "kept"
