"""Django's Redis cache, keeping one Redis client per connection pool instead of making one per operation.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every get and set. A new client fills its
own table of response callbacks (about 170 entries), which costs about as much as reading a kept programme page
back from Redis. A client only holds its pool and settings: the pool hands each command a free connection, so one
client serves every thread, and after a fork the pool opens new connections for the child (redis-py checks the
process id), so a gunicorn worker never shares a socket with another.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``RedisCacheClient`` above."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
