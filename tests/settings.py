"""Settings for the test suite: the real settings, with a throw-away secret key and a fast hasher."""

import os
import secrets

# A fresh random key per run: nothing secret lives in the repository.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_DEBUG", "0")

from ceremony.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
