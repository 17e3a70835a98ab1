import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every view (and numpy/scipy behind them) now, not on a worker's first request: with
# gunicorn --preload the workers fork with everything loaded.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
