"""Settings for the test suite: the production settings (debug off), with a throw-away secret key,
a fast password hasher, plain http, since the test client and the browser tests' live server speak
no TLS, and no second factor unless a test turns it on (tests/ceremony/test_two_factor.py).
`tests/planner/test_security.py` checks the real production settings in a subprocess."""

import os
import secrets
import tempfile
from pathlib import Path

# A fresh random key per run: nothing secret lives in the repository.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from planner.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Tests render templates without collectstatic having run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# No collected static folder in tests: WhiteNoise serves the apps' static files directly.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# The suite signs organizers in with force_login; tests of the second factor turn it on with `settings`.
PLANNER_REQUIRE_2FA = False
# Mail: queued attachments and the worker's lock file in a throw-away folder, never in data/.
_MAIL_DIR = Path(tempfile.mkdtemp(prefix="planner-mail-tests-"))
STORAGES["mail_attachments"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": _MAIL_DIR / "attachments"},
}
POST_OFFICE = {**POST_OFFICE, "LOCK_FILE_NAME": str(_MAIL_DIR / "mail-worker")}  # noqa: F405
