"""One kept copy per calendar or page, replaced when its version changes, built once by concurrent readers."""

import threading
import time

import pytest
from django.core.cache import cache

from ceremony.kept import kept_copy


def test_a_copy_serves_its_version_and_is_replaced_by_the_next():
    builds = []

    def build(text):
        def make():
            builds.append(text)
            return text

        return make

    assert kept_copy("page", version="v1", build=build(b"first"), what="a page") == b"first"
    assert kept_copy("page", version="v1", build=build(b"again"), what="a page") == b"first"
    assert kept_copy("page", version="v2", build=build(b"second"), what="a page") == b"second"
    assert builds == [b"first", b"second"]
    assert cache.get("page") == ("v2", b"second")  # one entry, not one per version


def test_readers_asking_at_once_wait_for_one_build():
    started = threading.Barrier(6)
    builds = []

    def slow_build():
        builds.append(1)
        time.sleep(0.3)
        return b"built once"

    answers = []

    def reader():
        started.wait()
        answers.append(kept_copy("feed", version="v1", build=slow_build, what="a feed"))

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [b"built once"] * 6
    assert builds == [1]


def test_a_failed_build_leaves_no_claim_behind():
    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        kept_copy("feed", version="v1", build=broken, what="a feed")
    assert kept_copy("feed", version="v1", build=lambda: b"next try", what="a feed") == b"next try"


def test_a_reader_that_looked_just_before_another_kept_the_copy_does_not_build_it_again(monkeypatch):
    """Between one reader's look and its claim, another process keeps the copy and lets go of its claim (seen with
    two servers asked at once): the claim the reader then gets must not make it build the copy again."""
    builds = []

    def build():
        builds.append(1)
        return b"calendar"

    class AnotherFinishesFirst:
        """The shared cache, where another reader builds and keeps the copy just before this reader's claim."""

        finished = False

        def __getattr__(self, name):
            return getattr(cache, name)

        def add(self, *args, **kwargs):
            if not self.finished:
                self.finished = True
                assert kept_copy("feed", version="v1", build=build, what="a feed") == b"calendar"
            return cache.add(*args, **kwargs)

    monkeypatch.setattr("ceremony.kept.cache", AnotherFinishesFirst())

    assert kept_copy("feed", version="v1", build=build, what="a feed") == b"calendar"
    assert builds == [1]
    assert cache.add("feed:building:v1", 1)  # and no claim is left behind
