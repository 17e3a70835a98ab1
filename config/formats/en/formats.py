"""English date formats: the one way every page writes a date or a time (issue 19).

Templates name these (``|date:"DATETIME_FORMAT"``), never a pattern of their own;
tests/test_template_audit.py enforces it. A time carries its zone (``T``), since pages show it in
the call's time zone, which the reader may not share.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
TIME_FORMAT = "H:i"
