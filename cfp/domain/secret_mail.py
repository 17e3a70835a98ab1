"""Which outbox e-mails carry a secret (a one-time link): the one place that says.

An outbox key names the kind of e-mail by its prefix: address confirmation, password reset,
reviewer and co-speaker invitations hold a link that must not stay in the table once sent, nor
appear in a personal-data export. tests/test_outbox_secrets.py fails for a ``queue_email`` call
site whose key prefix is neither here nor in its list of link-free kinds.
"""

from __future__ import annotations

SECRET_MAIL_KEYS = ("invite:", "verify:", "reset:")


def carries_secret(key: str) -> bool:
    """Whether the e-mail queued under ``key`` holds a one-time link."""
    return key.startswith(SECRET_MAIL_KEYS)
