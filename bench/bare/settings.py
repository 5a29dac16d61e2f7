"""The bare-Django reference of `make bench`: what Django and gunicorn do with no work at all.

A Django project of its own, sharing nothing with Vetted but the interpreter and gunicorn: no
apps, no database, no cache, no templates, and only SecurityMiddleware and CommonMiddleware.
Its one view answers BENCH_BARE_BYTES constant bytes (the article page's size), so "page ÷
reference" says how close a page comes to the framework's own limit on this machine.
"""

import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bench.bare.urls"
DATABASES = {}
USE_TZ = True
