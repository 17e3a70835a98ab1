"""Real talk texts for the benchmarks, when ``--data PATH`` (or BENCH_TALKS) names a file.

The synthetic proposals of the seed are short and regular; real abstracts are longer and vary,
which the redaction, the pages and the exports pay for. The file is read, never copied into the
project: the seed cycles through its titles and texts in place of its own.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

ENV = "BENCH_TALKS"


def use(path: Path | None) -> None:
    """Make the talks at ``path`` the texts of every call seeded from now on, in children too."""
    if path is not None:
        os.environ[ENV] = str(path.resolve())


def from_env() -> list[dict[str, str]] | None:
    """The talks' texts (title, abstract, description) if a file was named, else None."""
    path = os.environ.get(ENV)
    if not path:
        return None
    opener = gzip.open if path.endswith(".gz") else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            talk = json.loads(line)
            if talk.get("title") and talk.get("abstract"):
                texts.append(
                    {
                        "title": str(talk["title"]),
                        "abstract": str(talk["abstract"]),
                        "description": str(talk.get("description") or ""),
                    }
                )
    return texts


def label() -> str:
    return "real talks" if os.environ.get(ENV) else "synthetic"
