"""`gunicorn bench.bare.wsgi`: the bare-Django reference (bench/bare/settings.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"

application = get_wsgi_application()
