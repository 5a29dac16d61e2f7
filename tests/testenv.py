"""Loaded with `-p tests.testenv` before Django reads its settings (see pyproject.toml).

Tests run with DEBUG off, like production, so they need a secret key and must not be
redirected to HTTPS by the test client.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("EMAIL_URL", "locmem://")
