"""Rows for self-identification and diversity reports.

/me/self-id/ is every signed-in person's own page (an empty POST lacks the consent box: 400, or
200 with the form's errors for htmx). Every report URL is for the call's chairs only: reviewers,
speakers and other calls' chairs get 404.
"""

from __future__ import annotations

from tests.access import everyone, only, signed_in

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "diversity:self_id": {
        "GET": signed_in(200),
        "POST": signed_in(400),
        "HX POST": signed_in(200),
    },
    "diversity:report": {"GET": only(("chair",), 200), "POST": everyone(405)},
    "diversity:build": {
        "GET": everyone(405),
        "POST": only(("chair",), 302),
        "HX POST": only(("chair",), 200),
    },
    "diversity:threshold": {
        "GET": everyone(405),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
    "diversity:targets": {
        "GET": everyone(405),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
    "diversity:questions": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
}
