"""A pytest plugin giving the test run its own random ``DJANGO_SECRET_KEY``.

The settings refuse the built-in key whenever DEBUG is off, as it is in tests. Loaded with
``-p madoguchi.testing.secret_key`` (``addopts`` in pyproject.toml), so it runs before
pytest-django imports the settings; processes the tests start inherit the key. A key set
in the environment is kept.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
