"""Rows for the start page, accounts, the speaker profile and the admin."""

from __future__ import annotations

from tests.access import everyone, only, signed_in

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "home": {"GET": everyone(200), "POST": everyone(405)},
    "healthz": {"GET": everyone(200), "POST": everyone(405)},
    "login": {"GET": everyone(200), "POST": everyone(200)},
    "logout": {"GET": everyone(405), "POST": everyone(302)},
    "signup": {"GET": everyone(200), "POST": everyone(400)},
    # The access test opens an unknown link: refused whatever the method.
    "verify_email": {"GET": everyone(400), "POST": everyone(400)},
    # An empty POST is a form error (400), the same for every address (tests/test_enumeration.py).
    "password_reset": {"GET": everyone(200), "POST": everyone(400)},
    "password_reset_done": {"GET": everyone(200), "POST": everyone(405)},
    "password_reset_confirm": {"GET": everyone(200), "POST": everyone(200)},
    "password_reset_complete": {"GET": everyone(200), "POST": everyone(405)},
    "profile": {"GET": signed_in(200), "POST": signed_in(400)},
    # One page per person; an empty POST names no section: nothing saved, a clear 400.
    "settings": {"GET": signed_in(200), "POST": signed_in(400)},
    # The language switcher on every page (issue 24): a POST for everyone, back to the page.
    "set_language": {"GET": everyone(405), "POST": everyone(302)},
    # A person's own data (issue 17): the page and the JSON download; deleting asks for the
    # password (an empty POST is a form error). Purging is for chairs of that call only (404 for
    # everyone else); the access world's call is not archived, so a POST is refused with 400.
    "my_data": {"GET": signed_in(200), "POST": signed_in(405)},
    "my_data_export": {"GET": signed_in(200), "POST": signed_in(405)},
    "delete_account": {"GET": signed_in(200), "POST": signed_in(400)},
    "purge_call": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    # The admin is Django's: staff only, everyone else is sent to its log-in page.
    "admin:*": {"GET": {**everyone(302), "staff": 200}},
}
