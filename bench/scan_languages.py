"""The identity-leak scanner on German, Spanish, French and Portuguese text (issue 24).

    python bench/scan_languages.py                      # generated leaks: recall per language
    python bench/scan_languages.py --talks ../shared/data/talks   # + false flags on real talks

The real talks hold too few labelled non-English leaks to measure recall (and no
self-references), so this generates them: for each language, ``--cases`` proposals (200 by
default, seeded) of ordinary prose written for this file, each with one planted leak of a
rotating kind: the speaker's name (accents kept, dropped or upper-cased), an @handle, a profile
link, the employer named bare (the speaker's recorded affiliation), or a self-reference from a
class of first-person forms ("soy la autora de…", "ich arbeite bei…", "je travaille chez…",
"eu trabalho na…", "mein Vortrag auf meinem Blog…", their genders, tenses and cases). A case
counts as caught when a finding overlaps the planted span. The same prose without the leak is
scanned too: a finding there is a false flag on generated text.

With ``--talks DIR`` (the directory of talks.jsonl.gz and talks_meta.jsonl.gz, see its
README), it also scans the real talks in those languages whose ``leak_signals`` are empty and
counts those the scanner flags at all, and those it flags with a phrase (the rules this issue
added). No real text is printed or stored.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cfp.domain import leaks  # noqa: E402

LANGUAGES = ("de", "es", "fr", "pt")
KINDS = ("name", "handle", "link", "employer", "self_reference", "self_reference")
RECALL_GOAL = 95.0
FALSE_FLAG_GOAL = 3.0


@dataclass(frozen=True)
class Language:
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    companies: tuple[str, ...]
    legal: tuple[str, ...]
    projects: tuple[str, ...]
    events: tuple[str, ...]
    prose: tuple[str, ...]
    # A sentence naming the employer without a self-reference ("{company}").
    employer: tuple[str, ...]
    # A sentence naming the speaker ("{name}", "{surname}").
    naming: tuple[str, ...]
    # Lead-ins for a handle or a link ("{handle}", "{link}").
    handle: tuple[str, ...]
    link: tuple[str, ...]
    # Self-references: "{company}", "{project}", "{event}"; "{a|b}" picks one form.
    self_reference: tuple[str, ...]


# Everything below was written for this file; no sentence comes from the real talks.
TEXTS: dict[str, Language] = {
    "es": Language(
        given=("Lucía", "María José", "Alejandro", "Camila", "Joaquín", "Valentina", "Íñigo"),
        surnames=("Fernández", "Gutiérrez", "Olivares", "Quintana", "Ibáñez", "Zamora", "Peñalver"),
        companies=("Nubecita", "Datolia", "Tranvía Digital", "Cactus Analítica", "Olmeda Soft"),
        legal=("S.L.", "S.A.", ""),
        projects=("pyquimera", "Tortuga", "datafuente", "Alforja", "Pandilla"),
        events=("PyCon ES", "PyConAr", "Python Madrid", "PyDay Sevilla"),
        prose=(
            "En esta charla veremos cómo tipar una base de código grande sin detener el equipo.",
            "Explicaremos los errores más comunes al migrar a asyncio y cómo evitarlos.",
            "El público aprenderá a medir antes de optimizar, con ejemplos reales y sencillos.",
            "Hablaremos de pruebas basadas en propiedades y de cuándo no merecen la pena.",
            "Veremos tres patrones para procesar datos en streaming con generadores.",
            "La segunda parte muestra cómo empaquetar una aplicación para varios sistemas.",
            "No hace falta experiencia previa con Django, solo ganas de aprender.",
            "Al final habrá tiempo para preguntas y un pequeño ejercicio práctico.",
            "Compararemos varias bibliotecas de validación y sus costes en memoria.",
            "Mostraremos por qué los índices parciales aceleran las consultas más lentas.",
        ),
        employer=(
            "En {company} migramos cuarenta servicios a Python 3.12 en un trimestre.",
            "Los datos de esta charla vienen de los sistemas de {company}.",
        ),
        naming=(
            "Como cuenta {name} en su guía, el primer paso es medir.",
            "Este análisis lo hizo {surname} durante dos años.",
        ),
        handle=("Pueden escribirme a {handle} con cualquier duda.", "Más ejemplos en {handle}."),
        link=("El código está en {link} para quien quiera probarlo.", "Diapositivas: {link}"),
        self_reference=(
            "Soy {la autora|el autor|la creadora|el creador|una de las mantenedoras} de {project}.",
            "{Trabajo|Actualmente trabajo|Trabajé} {en|para} {company} desde hace años.",
            "Trabajo como ingeniera de datos en {company}.",
            "Soy {el mantenedor|la mantenedora|uno de los autores|la principal desarrolladora} "
            "del paquete {project}.",
            "En mi blog escribí una introducción a este tema.",
            "{Mi charla del año pasado|Mi charla anterior|Mi ponencia anterior} trataba de tipos.",
            "El año pasado presenté una versión corta en {event}.",
            "Mantengo la biblioteca {project} y sus extensiones.",
            "He creado {project} para resolver este problema.",
            "Nuestra empresa usa esta técnica en producción.",
            "Estoy {empleada|empleado} en {company} como arquitecta.",
            "Mis charlas anteriores cubrían la parte básica.",
            "Con mi equipo en {company} probamos tres alternativas.",
            "Me llamo así por mi abuela, pero eso es otra historia.",
        ),
    ),
    "de": Language(
        given=("Jürgen", "Anneliese", "Katrin", "Matthias", "Sören", "Friederike", "Björn"),
        surnames=("Großmann", "Köhler", "Brandstätter", "Wendt", "Obermeier", "Jäger", "Lüders"),
        companies=("Datenwerk", "Brückenbau Digital", "Rheinlogik", "Kraniche Software"),
        legal=("GmbH", "AG", ""),
        projects=("pyschiene", "Leuchtturm", "datenkiste", "Wurzelwerk", "Kompass"),
        events=("PyCon DE", "PyConDE", "Python Unconference", "EuroPython"),
        prose=(
            "In diesem Vortrag zeigen wir, wie man eine große Codebasis schrittweise typisiert.",
            "Wir besprechen typische Fehler beim Umstieg auf asyncio und wie man sie vermeidet.",
            "Das Publikum lernt, zuerst zu messen und dann zu optimieren.",
            "Eigenschaftsbasierte Tests finden Fehler, an die niemand gedacht hat.",
            "Drei Muster für Datenströme mit Generatoren stehen im Mittelpunkt.",
            "Der zweite Teil zeigt, wie man eine Anwendung für mehrere Systeme paketiert.",
            "Vorkenntnisse in Django sind nicht nötig, Neugier reicht völlig.",
            "Am Ende bleibt Zeit für Fragen und eine kleine Übung.",
            "Wir vergleichen Validierungsbibliotheken und ihren Speicherbedarf.",
            "Partielle Indizes beschleunigen die langsamsten Abfragen erstaunlich stark.",
        ),
        employer=(
            "Bei {company} haben wir vierzig Dienste in einem Quartal migriert.",
            "Die Zahlen stammen aus den Systemen von {company}.",
        ),
        naming=(
            "Wie {name} in der Anleitung schreibt, beginnt alles mit einer Messung.",
            "Diese Auswertung hat {surname} über zwei Jahre gepflegt.",
        ),
        handle=("Fragen gerne an {handle}.", "Weitere Beispiele unter {handle}."),
        link=("Der Code liegt unter {link} zum Ausprobieren.", "Folien: {link}"),
        self_reference=(
            "Ich arbeite {bei|für|seit drei Jahren bei|derzeit bei} {company}.",
            "Ich arbeite als Datenwissenschaftlerin bei {company}.",
            "Ich bin {die Autorin|der Autor|Hauptentwicklerin|Mitgründer|einer der Maintainer|"
            "die Entwicklerin} {von|des Pakets} {project}.",
            "Mein Vortrag auf meinem Blog fasst die Grundlagen zusammen.",
            "{Mein Vortrag vom letzten Jahr|Mein letzter Vortrag|Meine Vorträge im letzten Jahr} "
            "behandelte{n|} dasselbe Thema.",
            "Auf meinem Blog gibt es eine ausführliche Einführung.",
            "Letztes Jahr habe ich eine kurze Fassung auf der {event} gezeigt.",
            "Ich pflege die Bibliothek {project} seit Jahren.",
            "Ich habe {project} gegründet, um dieses Problem zu lösen.",
            "Unser Unternehmen setzt diese Technik produktiv ein.",
            "In unserer Firma laufen alle Dienste so.",
            "Meine Kollegen bei {company} haben drei Varianten getestet.",
            "Ich bin bei {company} angestellt und betreue dort die Plattform.",
            "In meiner Doktorarbeit habe ich das gründlich untersucht.",
        ),
    ),
    "fr": Language(
        given=("Amélie", "Benoît", "Gaëlle", "Hervé", "Océane", "François", "Maëlys"),
        surnames=("Lefèvre", "Rousseau", "Chevalier", "Beaumont", "Dupré", "Bérard", "Guérin"),
        companies=("Nuagerie", "Péniche Data", "Logiciels Mistral", "Cigogne Analytique"),
        legal=("SAS", "SARL", ""),
        projects=("pyrivière", "Boussole", "donnéesclaires", "Grenier", "Lanterne"),
        events=("PyCon FR", "PyConFR", "Pyjamas", "Django Paris"),
        prose=(
            "Dans cet exposé, nous verrons comment typer une grande base de code pas à pas.",
            "Nous passerons en revue les erreurs courantes en migrant vers asyncio.",
            "Le public apprendra à mesurer avant d'optimiser, exemples à l'appui.",
            "Les tests fondés sur les propriétés trouvent des bogues inattendus.",
            "Trois motifs pour traiter des flux de données avec des générateurs.",
            "La seconde partie montre comment empaqueter une application pour plusieurs systèmes.",
            "Aucune expérience de Django n'est nécessaire, la curiosité suffit.",
            "Nous garderons du temps pour les questions et un petit exercice.",
            "Nous comparerons plusieurs bibliothèques de validation et leur coût en mémoire.",
            "Les index partiels accélèrent les requêtes les plus lentes.",
        ),
        employer=(
            "Chez {company}, nous avons migré quarante services en un trimestre.",
            "Les chiffres viennent des systèmes de {company}.",
        ),
        naming=(
            "Comme l'écrit {name} dans son guide, tout commence par une mesure.",
            "Cette analyse, {surname} l'a menée pendant deux ans.",
        ),
        handle=("Questions bienvenues sur {handle}.", "D'autres exemples sur {handle}."),
        link=("Le code est sur {link} pour essayer.", "Transparents : {link}"),
        self_reference=(
            "Je travaille {chez|pour|actuellement chez|depuis deux ans chez} {company}.",
            "Je travaille en tant que développeuse chez {company}.",
            "Je suis {l'auteure|l'auteur|la créatrice|le créateur|l'un des mainteneurs|"
            "la mainteneuse} de {project}.",
            "J'ai {créé|fondé|lancé} {project} pour régler ce problème.",
            "J'ai travaillé chez {company} sur ce sujet.",
            "Mon blog contient une introduction détaillée.",
            "{Mon exposé de l'an dernier|Ma présentation de l'année dernière|Mon précédent exposé} "
            "portait sur les types.",
            "L'an dernier, j'ai présenté une version courte.",
            "Je maintiens la bibliothèque {project} depuis des années.",
            "Notre entreprise utilise cette technique en production.",
            "Mon équipe chez {company} a testé trois variantes.",
            "Je suis {employée|employé} chez {company} depuis peu.",
            "Ma thèse portait déjà sur ce problème.",
            "Je m'appelle comme mon grand-père, mais c'est une autre histoire.",
        ),
    ),
    "pt": Language(
        given=("João", "Thaís", "Luana", "Gonçalo", "Letícia", "Caio", "Iara"),
        surnames=("Conceição", "Araújo", "Figueiredo", "Magalhães", "Peixoto", "Brandão"),
        companies=("Jangada Dados", "Ipê Software", "Caju Analítica", "Maré Digital"),
        legal=("Ltda.", "S.A.", ""),
        projects=("pyjangada", "Bússola", "dadoslimpos", "Cabaça", "Farol"),
        events=("Python Brasil", "PyCon Brasil", "Python Nordeste", "PyBR"),
        prose=(
            "Nesta palestra veremos como tipar uma base de código grande sem parar o time.",
            "Vamos discutir os erros mais comuns ao migrar para asyncio e como evitá-los.",
            "O público vai aprender a medir antes de otimizar, com exemplos simples.",
            "Testes baseados em propriedades encontram bugs que ninguém imaginou.",
            "Três padrões para processar fluxos de dados com geradores.",
            "A segunda parte mostra como empacotar uma aplicação para vários sistemas.",
            "Não é preciso experiência com Django, só curiosidade.",
            "No final haverá tempo para perguntas e um pequeno exercício.",
            "Vamos comparar bibliotecas de validação e seu custo de memória.",
            "Índices parciais aceleram as consultas mais lentas.",
        ),
        employer=(
            "Na {company} migramos quarenta serviços em um trimestre.",
            "Os números vêm dos sistemas da {company}.",
        ),
        naming=(
            "Como {name} escreve no guia, tudo começa com uma medição.",
            "Essa análise foi feita por {surname} durante dois anos.",
        ),
        handle=("Dúvidas no {handle}.", "Mais exemplos em {handle}."),
        link=("O código está em {link} para quem quiser testar.", "Slides: {link}"),
        self_reference=(
            "Eu trabalho {na|para a|atualmente na|há três anos na} {company}.",
            "{Trabalho|Atualmente trabalho} na {company} com dados.",
            "Eu trabalho como engenheira de dados na {company}.",
            "Sou {a autora|o autor|a criadora|o criador|uma das mantenedoras|"
            "o principal desenvolvedor} {do|da biblioteca} {project}.",
            "Criei {project} para resolver esse problema.",
            "Mantenho a biblioteca {project} há anos.",
            "No meu blog escrevi uma introdução ao tema.",
            "{Minha palestra do ano passado|Minha palestra anterior|Minhas palestras anteriores} "
            "tratava{m|} de tipos.",
            "Ano passado apresentei uma versão curta na {event}.",
            "Nossa empresa usa essa técnica em produção.",
            "Minha equipe na {company} testou três alternativas.",
            "Sou {funcionária|funcionário} da {company} desde o ano passado.",
            "Minha tese já tratava desse problema.",
            "Trabalho numa empresa de logística e vi esse problema de perto.",
        ),
    ),
}


@dataclass(frozen=True)
class Case:
    language: str
    kind: str
    text: str
    start: int  # the planted leak: text[start:end]
    end: int
    clean: str  # the same prose without the leak
    speakers: tuple[leaks.SpeakerIdentity, ...]


def _choose_forms(rng: random.Random, template: str) -> str:
    """Pick one form of each "{a|b}" and keep the named slots."""
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        k = template.index("}", j)
        out.append(template[i:j])
        inner = template[j + 1 : k]
        out.append(rng.choice(inner.split("|")) if "|" in inner else "{" + inner + "}")
        i = k + 1
    return "".join(out)


def _ascii(text: str) -> str:
    return leaks.fold(text=text).title() if text else text


def _leak(rng: random.Random, lang: Language, kind: str) -> tuple[str, leaks.SpeakerIdentity]:
    given, surname = rng.choice(lang.given), rng.choice(lang.surnames)
    company = rng.choice(lang.companies)
    handle = (given.split()[0][0] + surname).lower()
    handle = "".join(c for c in leaks.fold(text=handle) if c.isalnum())
    speaker = leaks.SpeakerIdentity(
        name=f"{given} {surname}",
        email=f"{handle}@example.org",
        affiliation=f"{company} {rng.choice(lang.legal)}".strip(),
        links=(f"https://github.com/{handle}",),
    )
    values = {
        "company": company,
        "project": rng.choice(lang.projects),
        "event": rng.choice(lang.events),
    }
    if kind == "name":
        name = rng.choice([f"{given} {surname}", _ascii(f"{given} {surname}")])
        name = name.upper() if rng.random() < 0.2 else name
        sentence = rng.choice(lang.naming).format(name=name, surname=surname)
    elif kind == "handle":
        sentence = rng.choice(lang.handle).format(handle="@" + handle)
    elif kind == "link":
        link = rng.choice(
            [
                f"https://github.com/{handle}/{values['project'].lower()}",
                f"https://{handle}.github.io/",
                f"https://twitter.com/{handle}",
                f"https://www.linkedin.com/in/{handle}",
            ]
        )
        sentence = rng.choice(lang.link).format(link=link)
    elif kind == "employer":
        sentence = rng.choice(lang.employer).format(company=company)
    else:
        # A self-reference names no one on its own: the speaker's record does not help.
        speaker = leaks.SpeakerIdentity(name=f"{given} {surname}")
        sentence = _choose_forms(rng, rng.choice(lang.self_reference)).format(**values)
    return sentence, speaker


def cases(language: str, *, n: int = 200, seed: int = 24) -> list[Case]:
    """``n`` generated proposals in ``language``, one planted leak each (kinds in rotation)."""
    lang = TEXTS[language]
    rng = random.Random(f"{seed}:{language}")
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        prose = rng.sample(lang.prose, rng.randint(2, 5))
        sentence, speaker = _leak(rng, lang, kind)
        at = rng.randint(0, len(prose))
        before = " ".join(prose[:at])
        start = len(before) + (1 if before else 0)
        text = " ".join([*prose[:at], sentence, *prose[at:]])
        out.append(
            Case(
                language=language,
                kind="self-reference" if kind == "self_reference" else kind,
                text=text,
                start=start,
                end=start + len(sentence),
                clean=" ".join(prose),
                speakers=(speaker,),
            )
        )
    return out


def caught(case: Case) -> bool:
    findings = leaks.scan(text=case.text, speakers=case.speakers)
    return any(f.start < case.end and case.start < f.end for f in findings)


def generated(*, n: int, seed: int) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for language in LANGUAGES:
        all_cases = cases(language, n=n, seed=seed)
        per_kind: dict[str, list[int]] = {}
        missed = []
        for case in all_cases:
            hit = caught(case)
            per_kind.setdefault(case.kind, [0, 0])
            per_kind[case.kind][0] += 1
            per_kind[case.kind][1] += hit
            if not hit:
                missed.append(case.text[case.start : case.end])
        clean_flagged = sum(1 for c in all_cases if leaks.scan(text=c.clean, speakers=c.speakers))
        found = sum(v[1] for v in per_kind.values())
        rows[language] = {
            "cases": len(all_cases),
            "caught": found,
            "recall": 100.0 * found / len(all_cases),
            "per_kind": per_kind,
            "clean_flagged": clean_flagged,
            "missed": missed,
        }
    return rows


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def real_talks(directory: Path) -> dict[str, Any]:
    """False flags on the real talks in these languages that carry no leak label."""
    labels = {
        row["external_id"]: row["leak_signals"] for row in _lines(directory / "talks_meta.jsonl.gz")
    }
    rows: dict[str, dict[str, int]] = {}
    for row in _lines(directory / "talks.jsonl.gz"):
        language = row.get("language")
        if language in (None, "en"):
            continue
        group = language if language in LANGUAGES else "other"
        counts = rows.setdefault(
            group, {"talks": 0, "unlabelled": 0, "flagged": 0, "phrase": 0, "labelled_phrase": 0}
        )
        counts["talks"] += 1
        speakers = tuple(leaks.SpeakerIdentity(name=s["name"]) for s in row["speakers"])
        text = "\n\n".join(row[k] for k in ("title", "abstract") if row.get(k))
        findings = leaks.scan(text=text, speakers=speakers)
        if labels.get(row["external_id"]):
            continue
        counts["unlabelled"] += 1
        counts["flagged"] += bool(findings)
        counts["phrase"] += any(f.kind is leaks.FindingKind.PHRASE for f in findings)
    return rows


def format_tables(gen: dict[str, Any], real: dict[str, Any] | None) -> str:
    kinds = ("name", "handle", "link", "employer", "self-reference")
    out = [
        "generated leaks (caught / planted)",
        f"{'lang':5} " + " ".join(f"{k:>15}" for k in kinds) + f" {'recall':>8} {'goal':>10}"
        f" {'clean texts flagged':>20}",
    ]
    for language, row in gen.items():
        cells = " ".join(f"{row['per_kind'][k][1]:>7} / {row['per_kind'][k][0]:<5}" for k in kinds)
        ok = "ok" if row["recall"] >= RECALL_GOAL else "MISSED"
        out.append(
            f"{language:5} {cells} {row['recall']:>7.1f}% {'>= 95 % ' + ok:>10}"
            f" {row['clean_flagged']:>10} / {row['cases']}"
        )
    if real is not None:
        out += [
            "",
            "real talks without a leak label (title + abstract)",
            f"{'lang':6} {'talks':>6} {'unlabelled':>10} {'flagged':>8} {'%':>6} "
            f"{'by a phrase':>11}  goal",
        ]
        for language in (*LANGUAGES, "other"):
            row = real.get(language)
            if not row:
                continue
            percent = 100.0 * row["flagged"] / row["unlabelled"] if row["unlabelled"] else 0.0
            ok = "ok" if percent <= FALSE_FLAG_GOAL else "MISSED"
            goal = f"<= 3 % {ok}" if language != "other" else "(information)"
            out.append(
                f"{language:6} {row['talks']:>6} {row['unlabelled']:>10} {row['flagged']:>8} "
                f"{percent:>6.1f} {row['phrase']:>11}  {goal}"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=200, help="generated cases per language")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--talks", type=Path, help="directory of talks.jsonl.gz and its meta")
    parser.add_argument("--misses", action="store_true", help="print the missed planted leaks")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    gen = generated(n=args.cases, seed=args.seed)
    real = real_talks(args.talks) if args.talks else None
    if args.json:
        print(json.dumps({"generated": gen, "real": real}, indent=2))
    else:
        print(format_tables(gen, real))
    if args.misses:
        for language, row in gen.items():
            for text in row["missed"]:
                print(f"{language}: {text}")
    return 0 if all(r["recall"] >= RECALL_GOAL for r in gen.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
