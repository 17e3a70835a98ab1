"""Synthetic people and proposals for the demo and the benchmarks.

Every word comes from the lists below, combined at random: no real talk text is used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

GIVEN = [
    "Amara",
    "Bao",
    "Chiara",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hiroshi",
    "Ines",
    "Jonas",
    "Kavya",
    "Lucía",
    "Mateus",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rania",
    "Sven",
    "Tendai",
    "Ulla",
    "Vikram",
    "Wanjiru",
    "Xiomara",
    "Yusuf",
    "Zofia",
]
FAMILY = [
    "Okonkwo",
    "Tranh",
    "Bellandi",
    "Volkov",
    "Aydın",
    "Haddad",
    "Lindqvist",
    "Tanabe",
    "Moreau",
    "Brenner",
    "Raghavan",
    "Etxeberria",
    "Carvalho",
    "Petrenko",
    "Halvorsen",
    "Iyer",
    "Lacroix",
    "Mansour",
    "Sørensen",
    "Moyo",
    "Koskinen",
    "Chandrasekar",
    "Mwangi",
    "Quispe",
    "Demir",
    "Wiśniewska",
]
ORGS = [
    "Nimbus Analytics",
    "Tallowmere Labs",
    "Quarry Systems",
    "Brightfold",
    "Orchard Data",
    "Ferrous Works",
    "Kitewing",
    "Larchmont University",
    "Tidepool Health",
    "Umbra Software",
]
TOPICS = [
    "async views",
    "type hints",
    "data pipelines",
    "packaging",
    "testing",
    "observability",
    "accessibility",
    "query performance",
    "background jobs",
    "search",
    "caching",
    "security",
    "documentation",
    "mentoring",
    "open-source maintenance",
    "dataframes",
    "geospatial data",
    "machine learning ops",
    "web sockets",
    "internationalisation",
]
ANGLES = [
    "A practical guide to",
    "Lessons learned from",
    "Beyond the basics of",
    "Demystifying",
    "Ten mistakes in",
    "Getting started with",
    "Scaling",
    "What nobody tells you about",
    "A field guide to",
    "Rethinking",
]
BENEFITS = [
    "ship features faster",
    "sleep better on release day",
    "onboard new contributors",
    "cut cloud costs",
    "find bugs before users do",
    "keep a codebase friendly",
    "make pages load in a blink",
    "explain results to non-programmers",
]
TRACKS = [("web", "Web"), ("data", "Data"), ("core", "Core Python"), ("community", "Community")]
FORMATS = [
    ("talk", "Talk", 30, 12),
    ("tutorial", "Tutorial", 90, 4),
    ("lightning", "Lightning talk", 5, 8),
]
CRITERIA = [
    ("relevance", "Relevance", "Is this useful for our attendees?", 1, 5, 2.0),
    ("clarity", "Clarity", "Is the proposal clear about what attendees will learn?", 1, 5, 1.0),
    ("originality", "Originality", "Does it bring something new?", 1, 5, 1.0),
]


@dataclass(frozen=True, slots=True)
class FakePerson:
    name: str
    email: str
    affiliation: str
    first_time: bool
    english_additional: bool
    wants_mentor: bool


def person(rng: random.Random, index: int) -> FakePerson:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    domain = rng.choice(["example.org", "example.com", "example.net"])
    return FakePerson(
        name=f"{given} {family}",
        email=f"{given.lower()}.{index}@{domain}",
        affiliation=rng.choice(ORGS) if rng.random() < 0.7 else "",
        first_time=rng.random() < 0.35,
        english_additional=rng.random() < 0.4,
        wants_mentor=rng.random() < 0.25,
    )


@dataclass(frozen=True, slots=True)
class FakeProposal:
    title: str
    abstract: str
    description: str
    notes: str
    format_slug: str
    track_slug: str
    level: str
    language: str


def proposal(rng: random.Random, speaker: FakePerson) -> FakeProposal:
    topic, other = rng.sample(TOPICS, 2)
    title = f"{rng.choice(ANGLES)} {topic}"
    abstract = (
        f"This talk shows how {topic} helps teams {rng.choice(BENEFITS)}. "
        f"We compare approaches, look at {other} along the way, and finish with a checklist "
        f"you can use on Monday."
    )
    leak = rng.random()
    if leak < 0.08:
        abstract += f" I am {speaker.name} and I have been doing this for years."
    elif leak < 0.14 and speaker.affiliation:
        abstract += f" I work at {speaker.affiliation}, where we rebuilt our stack around it."
    description = "\n".join(
        [
            "## Outline",
            "",
            f"1. Why {topic} matters ({rng.randint(3, 8)} min)",
            f"2. Common pitfalls with {other} ({rng.randint(5, 10)} min)",
            f"3. A worked example ({rng.randint(8, 12)} min)",
            "4. Questions",
        ]
    )
    fmt = rng.choices([f[0] for f in FORMATS], weights=[6, 2, 2])[0]
    return FakeProposal(
        title=title,
        abstract=abstract,
        description=description,
        notes=rng.choice(["", "", "Happy to shorten this to 25 minutes.", "Slides are ready."]),
        format_slug=fmt,
        track_slug=rng.choice(TRACKS)[0],
        level=rng.choice(["beginner", "intermediate", "advanced"]),
        language="es" if rng.random() < 0.1 else "en",
    )
