"""WSGI entry point, for gunicorn: `gunicorn redliv.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redliv.settings")
application = get_wsgi_application()

# What the worker has loaded lives as long as it does: left out of the collector's full passes, which walked its
# ~145,000 objects every 30 to 90 requests and cost the request they landed in about 100 ms (2.0 ms a finder
# request on average, 0.7 ms once frozen; bench/analysis.md, run 29).
gc.freeze()
