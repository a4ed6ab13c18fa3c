"""Settings for the test suite: the product's settings with fast hashing, inline jobs and a private data dir."""

import os
import tempfile

os.environ.setdefault("YIWANG_TESTING", "true")
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# The test client and the browser tests speak plain http; tests/core/test_security_headers.py turns HTTPS on.
os.environ.setdefault("HTTPS_ONLY", "false")

from yiwang.settings import *  # noqa: F403
from yiwang.settings import HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite runs in demo mode (demo data, the demo SMS outbox where tests read codes); tests of production
# behaviour override DEMO_MODE=False (tests/core/test_demo_mode.py).
DEMO_MODE = True
# Jobs run inline when their transaction commits; tests of the queue itself use the real storage.
HUEY = {**HUEY, "immediate": True}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns about a missing directory
