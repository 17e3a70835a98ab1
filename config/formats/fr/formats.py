"""Django's own fr formats, with the time zone after every time (see ../en/formats.py).

Django looks a format up here first and falls back to its own locale for the ones not set.
"""

from django.conf.locale.fr import formats as django_formats  # type: ignore[import-untyped]

DATETIME_FORMAT = f"{django_formats.DATETIME_FORMAT} T"
SHORT_DATETIME_FORMAT = f"{django_formats.SHORT_DATETIME_FORMAT} T"
