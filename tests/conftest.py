import pytest

from ceremony.seeding import seed_ceremony


@pytest.fixture
def seeded(db):
    """The database after `manage.py seed_ceremony`; returns the seeding report."""
    return seed_ceremony()
