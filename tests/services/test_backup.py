"""A backup and restore round trip (pg_dump custom format, pg_restore) keeps every row.

docs/operations.md describes the same commands for operators.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from cfp import models as cfp_models
from reviews.services import seed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TABLES = [
    "cfp_call",
    "cfp_proposal",
    "cfp_speaker",
    "cfp_proposalversion",
    "reviews_assignment",
    "reviews_review",
    "reviews_aggregationrun",
    "reviews_proposalscore",
    "auth_user",
]


def _fingerprint(conn: Any) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row's text, in primary-key order, per table."""
    out = {}
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT t::text FROM {table} t ORDER BY id")  # noqa: S608 - fixed names
            rows = [r[0] for r in cur.fetchall()]
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def _args(settings_dict: dict[str, Any], name: str) -> list[str]:
    return [
        "-h",
        str(settings_dict.get("HOST") or "127.0.0.1"),
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        str(settings_dict.get("USER") or "postgres"),
        "-d",
        name,
    ]


def test_backup_and_restore_keep_every_row_and_checksum(tmp_path: Path) -> None:
    seed.seed_demo(slug="backup", proposals=40, reviewers=6, seed=3, now=timezone.now())
    sd = connection.settings_dict
    source = sd["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "talkreview.dump"
    env = {**os.environ, "PGPASSWORD": str(sd.get("PASSWORD") or "")}
    before = _fingerprint(connection.connection)
    admin = psycopg.connect(
        host=sd.get("HOST") or "127.0.0.1",
        port=sd.get("PORT") or 5432,
        user=sd.get("USER") or "postgres",
        password=sd.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "-f", str(dump), *_args(sd, source)],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *_args(sd, restored), str(dump)],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        with psycopg.connect(
            host=sd.get("HOST") or "127.0.0.1",
            port=sd.get("PORT") or 5432,
            user=sd.get("USER") or "postgres",
            password=sd.get("PASSWORD") or None,
            dbname=restored,
        ) as copy:
            after = _fingerprint(copy)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.close()

    # The 40 proposals asked for, and the demo's mentored drafts (issue 25) besides.
    assert before["cfp_proposal"][0] == cfp_models.Proposal.objects.count() >= 40
    assert after == before
