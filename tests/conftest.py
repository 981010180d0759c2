import pytest

from ceremony.seeding import seed_ceremony


@pytest.fixture
def seeded(db):
    """The database after `manage.py seed_ceremony`; returns the seeding report."""
    return seed_ceremony()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Built feeds are cached by ETag; each test starts without any."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
