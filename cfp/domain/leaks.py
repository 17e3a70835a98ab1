"""Find where a proposal's reviewer-visible text reveals who its speakers are.

Reviewers see titles, abstracts, descriptions, notes and custom answers only after this scanner
has run over them. It looks for six kinds of leak (see `FindingKind`) and returns spans in the
*original* text, so the Django layer can highlight them for the chair or replace them with a
marker for reviewers. A chair who disagrees with a finding marks its span as ignored, and
`redact_text` then leaves it in place.

Matching works on a folded copy of the text: NFKD, combining marks dropped, case-folded, plus a
few letters NFKD does not decompose (ł, ø, ß, the dotless i...). An index map takes folded
offsets back to the original text, so "JOSÉ" in the text matches the speaker "Jose" and the span
still covers the accented original.

Design decisions maintainers should know before changing the rules:

- Names match on word boundaries, where letters and digits are word characters and the
  underscore is not: "Doe" is found in "Doe's" and "jane_doe" but not in "Doerr", and "Ann" is not
  found in "Anderson". Scripts written without spaces (Han, kana, Hangul, Thai) match anywhere.
- A name part is *distinctive* when it has at least three letters (two for those scripts) and
  is not in `_COMMON_WORDS` (ordinary words such as "Will", "Grace", "Young") or, unless it is the
  surname, in `_COMMON_GIVEN_NAMES` ("John"). A distinctive part is flagged on its own; the others
  only as part of a run of adjacent name parts: the name in order (case-insensitive) or
  capitalised beside another part ("Grace Hopper", or surname first: "Hopper, Grace"), or after
  "I'm" / "my name is".
- Any email address and any @handle is flagged, not only the speakers' own: they are rarely
  needed to judge a talk and the cost of a false positive is one marker.
- Links are flagged when they point to a personal profile (GitHub, GitLab, Twitter/X, LinkedIn,
  Mastodon-style /@user, Bluesky, Speaker Deck, SlideShare, personal blog hosts), to a speaker's
  own `links`, or when they contain a speaker's name part. Links to projects on GitHub count as
  profile links: the owner in the path is often the speaker.
- Overlapping candidates are merged into their union, named after the longest (then the most
  specific) member, so redaction can never leave half a name behind.

Speed: the static patterns are compiled once, at import. Per call, each speaker's name parts
are first looked for with a plain substring test, and only parts present in the text get a
(cached) word-boundary regex; phrases are found by their leading word, a literal search. The
whole real-talk corpus (8,966 abstracts) scans in about 1.5 s of CPU; see bench/leak_scanner.py.
"""

from __future__ import annotations

import enum
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Finding",
    "FindingKind",
    "SpeakerIdentity",
    "distinctive_parts",
    "explain",
    "fold",
    "redact",
    "redact_text",
    "scan",
]


class FindingKind(enum.StrEnum):
    NAME = "name"
    EMAIL = "email"
    HANDLE = "handle"
    LINK = "link"
    AFFILIATION = "affiliation"
    PHRASE = "phrase"


@dataclass(frozen=True, slots=True)
class SpeakerIdentity:
    name: str
    email: str = ""
    affiliation: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One leak: `text` is `scanned_text[start:end]`, offsets in the original, unfolded text."""

    kind: FindingKind
    start: int
    end: int
    text: str


# When two candidates of equal length cover the same text, the lower number names the merge.
_SPECIFICITY = {
    FindingKind.EMAIL: 0,
    FindingKind.LINK: 1,
    FindingKind.HANDLE: 2,
    FindingKind.NAME: 3,
    FindingKind.AFFILIATION: 4,
    FindingKind.PHRASE: 5,
}

_EXPLANATIONS = {
    FindingKind.NAME: (
        "Your name appears in the text, so reviewers would know who wrote it: refer to yourself "
        "as “the speaker” or “I” instead."
    ),
    FindingKind.EMAIL: (
        "An email address tells reviewers who you are or where you work: remove it, the "
        "organisers already have your contact details."
    ),
    FindingKind.HANDLE: (
        "An @handle points reviewers straight to a person's profile: remove it or describe the "
        "account without naming it."
    ),
    FindingKind.LINK: (
        "This link leads to a personal profile or contains your name: remove it for the review, "
        "or point to the project itself instead of your own page."
    ),
    FindingKind.AFFILIATION: (
        "Naming your employer or institution narrows down who you are: describe it generically, "
        "for example “a large retailer” or “a university lab”."
    ),
    FindingKind.PHRASE: (
        "This wording tells reviewers about you rather than the talk (where you work, what you "
        "maintain, where you spoke before): rephrase it in neutral terms, for example “the "
        "author of this library” becomes “this library”."
    ),
}


def explain(kind: FindingKind) -> str:
    """One sentence for a first-time speaker: why the finding matters and how to fix it."""
    return _EXPLANATIONS[kind]


# --------------------------------------------------------------------------------------------
# Folding: accent- and case-insensitive matching with offsets back into the original text.

# Letters that NFKD leaves alone but that people type without the diacritic.
_SPECIAL_FOLDS = {
    "\u0131": "i",  # dotless i
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ß": "ss",
    "þ": "th",
    "ħ": "h",
    "ŀ": "l",
    "\u2019": "'",  # right single quotation mark, the usual typographic apostrophe
    "\u2018": "'",
    "\u02bc": "'",  # modifier letter apostrophe
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
}

# German and Scandinavian spellings without the letter: "Gröber" is also written "Groeber".
_TRANSLITERATIONS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae", "ß": "ss"}
)


def _is_unspaced_script(ch: str) -> bool:
    """Scripts written without spaces between words, where word boundaries do not exist."""
    code = ord(ch)
    return (
        0x0E00 <= code <= 0x0E7F  # Thai
        or 0x1100 <= code <= 0x11FF  # Hangul Jamo
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3130 <= code <= 0x318F  # Hangul compatibility Jamo
        or 0x3400 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # CJK extensions
    )


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    special = _SPECIAL_FOLDS.get(ch) or _SPECIAL_FOLDS.get(ch.lower())
    if special is not None:
        return special
    if _is_unspaced_script(ch):
        # NFKD would split Hangul into jamo and strip kana voicing marks; neither helps matching.
        return ch
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_SPECIAL_FOLDS.get(c, c) for c in kept)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each character the first time it is seen.

    It also remembers which characters fold to other than exactly one character (combining
    marks, "ß", ligatures): only texts containing one of those need an index map.
    """

    def __init__(self) -> None:
        super().__init__((code, chr(code).lower()) for code in range(128))
        self.unaligned: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(folded) != 1:
            self.unaligned.add(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, unless it is aligned with `text`, each folded char's origin."""
    if text.isascii():
        return text.lower(), None
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text) and _FOLD_TABLE.unaligned.isdisjoint(
        "".join(_NON_ASCII_RUN.findall(text))
    ):
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for run in _NON_ASCII_RUN.finditer(text):
        run_start, run_end = run.span()
        if run_start > position:
            pieces.append(text[position:run_start].lower())
            origin.extend(range(position, run_start))
        for index in range(run_start, run_end):
            folded = _fold_char(text[index])
            pieces.append(folded)
            origin.extend([index] * len(folded))
        position = run_end
    if position < len(text):
        pieces.append(text[position:].lower())
        origin.extend(range(position, len(text)))
    return "".join(pieces), origin


def fold(*, text: str) -> str:
    """The comparison form used by the scanner: no accents, no case, NFKD-compatible."""
    return _fold_with_map(text)[0]


@dataclass(frozen=True, slots=True)
class _Folded:
    original: str
    text: str
    origin: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded [start, end) back to the original, keeping trailing combining marks."""
        if self.origin is None:
            return start, end
        original_start = self.origin[start] if start < len(self.origin) else len(self.original)
        original_end = self.origin[end - 1] + 1 if end > start else original_start
        while original_end < len(self.original) and unicodedata.combining(
            self.original[original_end]
        ):
            original_end += 1
        return original_start, original_end


# --------------------------------------------------------------------------------------------
# Word lists. Kept small on purpose: they only decide whether a lone name part is evidence.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Ordinary words (English first, a few from the other languages of Python conferences) that are
# also given names or surnames. Lone matches of these would mostly hit the word, not the person.
_COMMON_WORDS = _words(
    """
    a an and are as at be but by for from has have he her his how i if in is it its me my no not
    of on or our she so than that the their them then there these they this to up us we what
    when where which who why will with you your all any can may might must one two new old
    about above after again against also always am among back been before being below best
    better big both bring call came case chance change close come cost could day days dear did
    do does done down each early end even ever every face fact fair far few field find fine first
    free full gave get give go going good got great had half hand hard head hear help here high
    hold home hope just keep kind king know land large last late lead left less let life light
    like line little long look lot love made main make man many mark mean meet men mind miss
    more most move much name near need never next nice night none now number off often only
    open other out over own page part past pay people place plan play point post power press
    price put rather read real rest rich right run said same saw say see seem set shall short
    should show side since small some soon sort sound start state still stop such sure take
    talk tell test text thing think those though time today together too top true try turn under
    until upon use very view walk want was way well went were while whole why wide wish word work
    world would year yes yet young

    ash bay bell berry bird black blue bond brown bush cash chase cook cross crow dale dash
    dawn dean doll drew duke earl fay fisher ford forest fox frank frost gale glass gold golden
    gray green grey guy hall ham hart heath hill holly house hunter iris ivy jade jay joy june
    april august summer winter autumn spring lamb lane law lee lily lord major march marsh mason
    may miles mill mills moon moore moss noble north park parker pearl pepper pierce pike pine
    porter prince rain ray reed rice ridge rivers robin rock rose ruby rush sage salt sharp
    shepherd silver smith snow south sparks spencer stark steel stone storm strong sun swan
    taylor thorn tower turner wall ward warren waters weaver wells west white wolf wood woods
    wren york baker banks barber bishop brooks bull butler carpenter carter chance cliff
    cooper crane day dawson dove drake eagle gardener glen grant hay heart hope hopper joiner
    keys knight lake lance lark law little love mayer miller nash page palmer piper pound
    pratt price rich ross shaw short sky slater small spear stewart sterling street sweet
    temple tucker wise wing young faith grace hope patience honor chip grant penny lucky sunny
    will bill art pat rob sam sue max rex sol van

    data code python django flask test class type model node graph tree stack queue cloud
    server client query table index array vector matrix tensor function method object string
    list dict set map key value file path shell bash rust ruby julia go swift java scala spark
    kafka ray dask arrow click rich black poetry hypothesis celery pyramid twisted tornado bottle
    falcon sphinx jupyter docker linux apple amazon google oracle sage hugo nikola pelican

    de la le les du des da di del della dos das do van von der den ten ter zu y e el al bin ibn
    ben st mac dr prof mr mrs ms mx sir phd jr sr ii iii iv md msc bsc mba eng ing

    blanco blanc bueno campos cruz flores leon luna paz ramos rosa santos vega petit grand roux
    klein lang lange koch fuchs vogel jung alt berg stein hahn braun schwarz weiss
    """
)

# Given names common enough that a lone mention is more likely someone else (or an example user).
_COMMON_GIVEN_NAMES = _words(
    """
    aaron adam adrian alan albert alex alexander alice alicia amanda amy andrea andreas andrew
    andy angela ann anna anne anthony antonio ashley barbara ben benjamin bob brian carlos carol
    catherine charles charlie chris christian christina christine christopher claire daniel
    david diana donna dan dave edward elizabeth emily emma eric erik frank gary george hannah
    helen henry jack james jane jason jeff jeffrey jennifer jessica jim joe john jonathan jose
    joseph josh juan julia julie karen kate katie kevin laura lisa luis maria mario mark martin
    mary matt matthew michael michelle mike nancy nick nicole olivia paul peter rachel richard
    robert ryan sara sarah scott sophie stephen steve steven susan thomas tim tom tony victor
    william ali mohamed mohammed muhammad ahmed wei jun li ming kim anton jan marco pedro pablo
    miguel manuel javier jorge francisco pierre jean michel marie sebastian stefan thomas alessandro
    giuseppe francesco luca andrea
    """
)

_HONORIFICS = _words("dr dra prof mr mrs ms mx sir phd jr sr ii iii iv md msc bsc mba eng ing")
_PARTICLES = _words(
    "de la le les du des da di del della dos das do van von der den ten ter zu y e el al bin ibn "
    "st mac"
)

# Affiliation values that say nothing about who the speaker is.
_NON_IDENTIFYING_AFFILIATIONS = _words(
    """
    none n/a na independent freelance freelancer self self-employed selfemployed student
    retired unemployed unaffiliated personal private individual consultant contractor
    university company startup home
    """
)

_LEGAL_SUFFIXES = _words(
    """
    inc incorporated ltd limited llc llp plc gmbh ag kg ug sa sas sarl srl spa bv nv ab oy as
    aps asa kk corp corporation co company pty pvt sl sro
    """
)
# The suffixes also taken along after an affiliation in the text: not ordinary words ("as").
_TEXT_LEGAL_SUFFIXES = _LEGAL_SUFFIXES - {"as", "co", "company", "ab", "sl", "sa", "ag", "ug"}


# --------------------------------------------------------------------------------------------
# Speaker names.

_NAME_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_RUN_GAP = re.compile(r"[\s.\-_]{0,4}")
_SURNAME_FIRST_GAP = re.compile(r", ?")
_INTRO = re.compile(
    r"(?:(?:\bmy name is|\bi'm|\bi am|\bcall me|\bme llamo|\bje m'appelle|\bje suis|\bich bin"
    r"|\bmi chiamo|\bsono)\s+|(?:我是|我叫|私は|僕は|저는)\s*)$"
)


@dataclass(frozen=True, slots=True)
class _Part:
    """One name part of one speaker, as it appears folded in text."""

    index: int  # position in the speaker's name, for "in order" checks
    strong: bool  # flagged on its own
    particle: bool  # "van", "de": joins a run only before another part
    initial: bool
    word: bool  # an ordinary word ("Grace", "Miller"), as opposed to a common given name
    surname: bool


def _name_tokens(name: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The name's parts in their original spelling, with their position, and extra spellings.

    Quotes, brackets and punctuation go; honorifics stay (the caller knows them). The extras are
    joined compounds ("Ji-woo" is also written "Jiwoo") and, for a single-token name, which is
    often a handle such as "JaneQDoe", its camel-case pieces.
    """
    tokens: list[tuple[int, str]] = []
    extras: list[tuple[int, str]] = []
    for chunk in name.replace("\u2019", "'").split():
        pieces = _NAME_TOKEN.findall(chunk)
        if len(pieces) > 1 and "-" in chunk:
            extras.append((len(tokens), "".join(pieces)))
        tokens.extend((len(tokens), piece) for piece in pieces)
    if len(tokens) == 1:
        camel = [p for p in _CAMEL_BOUNDARY.split(tokens[0][1]) if p]
        if len(camel) > 1:
            extras.extend(enumerate(camel, start=1))
    return tokens, extras


def _is_unspaced(token: str) -> bool:
    return any(_is_unspaced_script(ch) for ch in token)


def _letter_count(token: str) -> int:
    return sum(1 for ch in token if ch.isalpha())


def _token_variants(token: str) -> set[str]:
    folded = fold(text=token)
    variants = {folded, fold(text=token.lower().translate(_TRANSLITERATIONS))}
    if "'" in folded:
        variants.add(folded.replace("'", ""))
    return {v for v in variants if v}


@lru_cache(maxsize=4096)
def _speaker_parts(name: str) -> dict[str, _Part]:
    """Folded variant -> part, for every part of the speaker's name. Cached: do not mutate."""
    tokens, extras = _name_tokens(name)
    meaningful = [f for f in (fold(text=t) for _, t in tokens) if f not in _HONORIFICS]
    surname = meaningful[-1] if meaningful else ""
    parts: dict[str, _Part] = {}
    for index, token in [*tokens, *extras]:
        folded = fold(text=token)
        if folded in _HONORIFICS and len(tokens) > 1:
            continue
        minimum = 2 if _is_unspaced(folded) else 3
        common = folded in _COMMON_WORDS or (
            folded in _COMMON_GIVEN_NAMES and (folded != surname or len(meaningful) == 1)
        )
        strong = _letter_count(folded) >= minimum and not common
        for variant in _token_variants(token):
            previous = parts.get(variant)
            parts[variant] = _Part(
                index=index,
                strong=strong or (previous is not None and previous.strong),
                particle=folded in _PARTICLES,
                initial=_letter_count(folded) == 1,
                word=folded in _COMMON_WORDS,
                surname=folded == surname,
            )
    return parts


def distinctive_parts(*, name: str) -> tuple[str, ...]:
    """The folded parts of `name` that the scanner flags wherever they stand alone.

    Exposed for tests and benchmarks that check redacted output, so they agree with the scanner
    on which parts count, without re-implementing the rules.
    """
    return tuple(sorted(v for v, part in _speaker_parts(name).items() if part.strong))


@lru_cache(maxsize=16384)
def _word_pattern(word: str) -> re.Pattern[str]:
    """`word` where it stands alone; anywhere for scripts written without spaces."""
    if _is_unspaced(word):
        return re.compile(re.escape(word))
    # "Don" must not match "don't", but "Doe" must match "Doe's" and "D'Arcy" "D'Arcy".
    return re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])(?!'(?:t|ll|re|ve|d|m)(?![^\W_]))")


# A name part found in the folded text: start, end and the variant that matched.
_Hit = tuple[int, int, str]


def _word_hits(text: str, words: Iterable[str]) -> list[_Hit]:
    """Where the words occur on their own, sorted, without overlaps (longest first).

    A substring test in C rules out nearly every word before any regex runs; that, not one big
    alternation compiled per speaker, is what keeps a corpus scan within seconds.
    """
    hits = [
        (match.start(), match.end(), word)
        for word in words
        if word in text
        for match in _word_pattern(word).finditer(text)
    ]
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[_Hit] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def _is_in_order(indices: Sequence[int]) -> bool:
    return len(indices) >= 2 and all(a < b for a, b in itertools.pairwise(indices))


def _name_candidates(
    folded: _Folded, parts: dict[str, _Part]
) -> Iterable[tuple[int, int, FindingKind]]:
    runs: list[list[_Hit]] = []
    for hit in _word_hits(folded.text, parts):
        if runs and _joins(folded.text, parts, runs[-1][-1], hit):
            runs[-1].append(hit)
        else:
            runs.append([hit])
    for run in runs:
        span = _run_span(folded, parts, run)
        if span is not None:
            yield (*folded.span(*span), FindingKind.NAME)


def _joins(text: str, parts: dict[str, _Part], previous: _Hit, hit: _Hit) -> bool:
    """Whether `hit` continues the run that ends with `previous`."""
    if _RUN_GAP.fullmatch(text, previous[1], hit[0]):
        return True
    # Surname first, as in citations and lists: "Doe, Jane".
    return (
        parts[previous[2]].surname
        and parts[hit[2]].index < parts[previous[2]].index
        and _SURNAME_FIRST_GAP.fullmatch(text, previous[1], hit[0]) is not None
    )


def _run_span(folded: _Folded, parts: dict[str, _Part], run: list[_Hit]) -> tuple[int, int] | None:
    """The folded span of the run to flag, or None when it is not evidence of a name."""
    infos = [parts[word] for _, _, word in run]
    capitalised = [
        not folded.original[folded.span(start, end)[0]].islower() for start, end, _ in run
    ]
    in_order = _is_in_order([info.index for info in infos]) and not all(
        info.initial for info in infos
    )
    included = []
    for position, (info, capital) in enumerate(zip(infos, capitalised, strict=True)):
        if info.strong or in_order:
            included.append(True)
        elif info.particle:
            included.append(position + 1 < len(run))
        else:
            included.append(capital and len(run) > 1)
    chosen = [i for i, keep in enumerate(included) if keep]
    strong = any(infos[i].strong for i in chosen)
    substantial = [i for i in chosen if not infos[i].initial and not infos[i].particle]
    if not substantial or (not strong and not in_order and len(substantial) < 2):
        return _introduced_name(folded, run[0], infos[0], capitalised[0])
    return run[chosen[0]][0], run[chosen[-1]][1]


def _introduced_name(
    folded: _Folded, hit: _Hit, info: _Part, capitalised: bool
) -> tuple[int, int] | None:
    """A lone common name right after "I'm" or "my name is" still names the speaker."""
    start, end, _ = hit
    if info.initial or info.particle or not capitalised:
        return None
    if _INTRO.search(folded.text, max(0, start - 24), start) is None:
        return None
    return start, end


# --------------------------------------------------------------------------------------------
# Emails, handles and links.

# These patterns run on folded, lower-case text.
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@(?:[\w-]+\.)+[a-z]{2,24}(?![\w-])"
    r"|(?<![\w.+-])[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w-]+)+"
)
_OBFUSCATED_AT = re.compile(r"[\[(] ?at ?[\])]")

_HANDLE = re.compile(r"(?<![\w@./:+`-])@(\w(?:[\w.-]*\w)?)(@(?:[\w-]+\.)+[a-z]{2,24})?")

# Decorators, annotations, doc-comment tags and chat keywords that look like handles.
_NOT_HANDLES = _words(
    """
    property staticmethod classmethod abstractmethod abstractproperty dataclass dataclasses
    cached_property lru_cache cache wraps contextmanager asynccontextmanager overload override
    final total_ordering singledispatch singledispatchmethod runtime_checkable validator
    root_validator field_validator model_validator computed_field field_serializer
    login_required permission_required csrf_exempt require_http_methods require_post
    require_get receiver transaction atomic shared_task task periodic_task app api_view action
    permission_classes route get post put patch delete head options fixture given example
    settings composite pytest mock patch jit njit vectorize guvectorize cuda stencil generated_jit
    njit_cached numba tf torch jax function dispatch retry timeout click command group option
    argument pass_context hookimpl hookspec njit_parallel njit asyncio mark parametrize skip
    skipif xfail usefixtures defer inject memoize memoized coroutine event listener
    media import font-face keyframes charset supports page namespace apply include mixin extend
    tailwind layer
    param params return returns raise raises throws type rtype see since deprecated todo
    author version link code ivar var cvar exception note warning
    test before after beforeeach aftereach autowired component service entity table column id
    override deprecated functionalinterface
    here channel everyone all
    """
)

_HANDLE_DOMAIN_TAIL = re.compile(r"\.(?:social|com|org|net|io|dev|me|app|xyz|bsky|team)$")

# Any scheme, so pip's "git+https://" and "git+git://" requirement lines count too.
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]{1,15}://|(?<![\w.@/-])www\.)[^\s<>\"'`\[\]{}|\\^]+")

_BARE_TLDS = (
    "com|org|net|io|dev|me|co|info|blog|ai|app|xyz|tech|site|page|ninja|rocks|codes|social|"
    "eu|uk|de|fr|es|it|nl|pl|ru|br|jp|cn|kr|ca|au|ch|be|se|cz|sk|pt|ar|mx|tw|in|us|edu|gov|"
    "to|ly|sh|gg|fm|tv|cc|ee|nz|ie|at|dk|fi|no|il|za|sg|hk"
)
_BARE_DOMAIN = re.compile(
    rf"(?<![\w@./:-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_BARE_TLDS})"
    r"(?![\w(-])(?:/[^\s<>\"'`\[\]{}|\\^]*)?"
)
_TLD_HINT = re.compile(rf"\.(?:{_BARE_TLDS})\b")

_TRAILING_PUNCTUATION = ".,;:!?*_'\""

# Hosts where the first path segment names a person (or an organisation that may be theirs).
_PROFILE_HOSTS = _words(
    """
    github.com gist.github.com gitlab.com bitbucket.org codeberg.org sr.ht twitter.com x.com
    wiki.github.com raw.githubusercontent.com gist.githubusercontent.com
    mobile.twitter.com linkedin.com speakerdeck.com slideshare.net bsky.app medium.com dev.to
    keybase.io about.me linktr.ee slides.com instagram.com facebook.com fb.com threads.net
    mastodon.social fosstodon.org hachyderm.io kaggle.com huggingface.co hashnode.com
    stackoverflow.com reddit.com pypi.org youtube.com
    """
)
# Subdomains of personal-page hosts that belong to the company, not to a user.
_SITE_HOSTS = _words(
    """
    docs.github.com api.github.com help.github.com education.github.com pages.github.com
    blog.github.com resources.github.com skills.github.com support.github.com status.github.com
    desktop.github.com cli.github.com partner.github.com lab.github.com training.github.com
    guides.github.com developer.github.com enterprise.github.com
    """
)
# First path segments on those hosts that are site pages, not people.
_SITE_PATHS = _words(
    """
    about features pricing search explore topics trending marketplace login signup join settings
    home hashtag i intent share watch playlist results feed jobs help docs blog legal privacy
    terms tos policies embed shorts p project simple packages search questions
    """
)
# Hosts whose subdomains belong to one person: jdoe.github.io, jdoe.wordpress.com.
_PERSONAL_SUBDOMAIN_HOSTS = (
    ".github.io",
    ".github.com",  # GitHub Pages before 2013; GitHub's own subdomains are listed below
    ".gitlab.io",
    ".wordpress.com",
    ".blogspot.com",
    ".substack.com",
    ".medium.com",
    ".tumblr.com",
    ".hashnode.dev",
    ".bearblog.dev",
    ".micro.blog",
    ".neocities.org",
)


def _trim_url(url: str) -> str:
    while url and url[-1] in _TRAILING_PUNCTUATION + ")":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _url_host_and_path(url: str) -> tuple[str, str]:
    body = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE)
    host, _, path = body.partition("/")
    host = host.split("@")[-1].split(":")[0].lower()
    host = host.removeprefix("www.")
    return host, "/" + path


def _normalise_link(link: str) -> str:
    host, path = _url_host_and_path(link.strip())
    return (host + path).rstrip("/").lower()


def _is_profile_link(host: str, path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    if segments and segments[0].startswith("@") and len(segments[0]) > 1:
        return True  # Mastodon and other fediverse servers, medium.com/@user, youtube.com/@user
    if host == "bsky.app":
        return len(segments) >= 2 and segments[0] == "profile"
    if host in _PROFILE_HOSTS or host.removeprefix("m.") in _PROFILE_HOSTS:
        if host.endswith("youtube.com"):
            return bool(segments) and segments[0] in {"c", "channel", "user"}
        if host in {"stackoverflow.com", "reddit.com", "pypi.org"}:
            return bool(segments) and segments[0] in {"users", "user", "u"}
        return bool(segments) and segments[0].lower() not in _SITE_PATHS
    if host in _SITE_HOSTS:
        return False
    return any(host.endswith(suffix) for suffix in _PERSONAL_SUBDOMAIN_HOSTS)


@dataclass(frozen=True, slots=True)
class _UrlNames:
    """What makes a URL personal for these speakers."""

    anywhere: tuple[str, ...]  # name parts matched anywhere in the URL
    delimited: tuple[str, ...]  # matched only between non-letters: "/ann/" but not "/announce"
    own_links: tuple[str, ...]  # normalised host+path prefixes
    own_hosts: tuple[str, ...]  # personal sites: any page on them


def _url_names(speakers: Sequence[SpeakerIdentity], usernames: Iterable[str]) -> _UrlNames:
    anywhere: set[str] = set(usernames)
    delimited: set[str] = set()
    own_links: set[str] = set()
    own_hosts: set[str] = set()
    for speaker in speakers:
        by_index: dict[int, list[str]] = {}
        particles: set[int] = set()
        for variant, part in _speaker_parts(speaker.name).items():
            bare = variant.replace("'", "")
            by_index.setdefault(part.index, []).append(bare)
            if part.particle:
                particles.add(part.index)
            if part.strong and len(bare) >= 4:
                anywhere.add(bare)
            elif part.strong or (not part.word and not part.initial and len(bare) >= 3):
                # A common given name is evidence in a URL only as a whole segment: "/emma/".
                delimited.add(bare)
            elif part.word and part.surname and len(bare) >= 5:
                # An ordinary-word surname inside a host name, as in "codemiller.com".
                anywhere.add(bare)
        ordered = [by_index[i] for i in sorted(by_index) if i not in particles]
        if len(ordered) >= 2:
            # Handles join names: janedoe, jdoe, jane-doe, janed.
            for first in ordered[0]:
                for last in ordered[-1]:
                    for joined in (first + last, first[0] + last, first + last[0], last + first):
                        if len(joined) >= 4:
                            anywhere.add(joined)
        for link in speaker.links:
            normalised = _normalise_link(link)
            if not normalised:
                continue
            own_links.add(normalised)
            host, path = _url_host_and_path(normalised)
            if not _is_profile_link(host, path) and host not in _PROFILE_HOSTS:
                own_hosts.add(host)
    return _UrlNames(
        anywhere=tuple(p for p in anywhere if p),
        delimited=tuple(p for p in delimited if p),
        own_links=tuple(own_links),
        own_hosts=tuple(own_hosts),
    )


def _link_usernames(speakers: Sequence[SpeakerIdentity]) -> set[str]:
    """Usernames from the speakers' profile links: github.com/jdoe gives "jdoe"."""
    names: set[str] = set()
    for speaker in speakers:
        for link in speaker.links:
            host, path = _url_host_and_path(link.strip())
            segments = [s for s in path.split("/") if s]
            if _is_profile_link(host, path) and segments:
                user = segments[-1] if host == "bsky.app" else segments[0]
                user = fold(text=user.lstrip("@").split("@")[0])
                if len(user) >= 3:
                    names.add(user)
            for suffix in _PERSONAL_SUBDOMAIN_HOSTS:
                if host.endswith(suffix):
                    names.add(fold(text=host.removesuffix(suffix)))
    return names


def _url_is_personal(url: str, names: _UrlNames) -> bool:
    """Whether the (folded) URL points to a person rather than a project or a document."""
    host, path = _url_host_and_path(url)
    if _is_profile_link(host, path):
        return True
    normalised = (host + path).rstrip("/")
    for own in names.own_links:
        if normalised == own or normalised.startswith(own + "/"):
            return True
    if any(host == own or host.endswith("." + own) for own in names.own_hosts):
        return True
    if any(part in url for part in names.anywhere):
        return True
    return any(
        part in url and re.search(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", url)
        for part in names.delimited
    )


def _link_candidates(
    folded: _Folded, speakers: Sequence[SpeakerIdentity], usernames: Iterable[str]
) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    names: _UrlNames | None = None
    patterns = []
    # Cheap substring tests first: most texts have no link at all.
    if "://" in text or "www." in text:
        patterns.append(_URL)
    if _TLD_HINT.search(text):
        patterns.append(_BARE_DOMAIN)
    claimed: list[tuple[int, int]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            start = match.start()
            if any(a <= start < b for a, b in claimed):
                continue
            url = _trim_url(match.group())
            end = start + len(url)
            claimed.append((start, end))
            if names is None:
                names = _url_names(speakers, usernames)
            if "." in url and _url_is_personal(url, names):
                yield (*folded.span(start, end), FindingKind.LINK)


def _email_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    if "@" not in text and _OBFUSCATED_AT.search(text) is None:
        return
    for match in _EMAIL.finditer(text):
        yield (*folded.span(match.start(), match.end()), FindingKind.EMAIL)


def _is_decorator_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return False
    line_end = text.find("\n", end)
    if line_end == -1 or text[end:line_end].strip():
        return False
    following = text[line_end + 1 : line_end + 80].lstrip()
    return following.startswith(("def ", "class ", "async def ", "@"))


def _handle_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    if "@" not in text:
        return
    for match in _HANDLE.finditer(text):
        name, server = match.group(1), match.group(2)
        end = match.end()
        if name[0].isdigit() or name.lower() in _NOT_HANDLES:
            continue
        if end < len(text) and text[end] in "(/`":
            continue  # decorator calls, npm scopes, inline code
        if "." in name and not server and not _HANDLE_DOMAIN_TAIL.search(name.lower()):
            continue  # dotted decorators such as @app.route or @pytest.mark.slow
        if _is_decorator_line(text, match.start(), end):
            continue
        yield (*folded.span(match.start(), end), FindingKind.HANDLE)


def _username_candidates(
    folded: _Folded, usernames: Iterable[str]
) -> Iterable[tuple[int, int, FindingKind]]:
    words = [u for u in usernames if len(u) >= 3]
    for start, end, _ in _word_hits(folded.text, words):
        yield (*folded.span(start, end), FindingKind.HANDLE)


# --------------------------------------------------------------------------------------------
# Affiliations.

_WORD = re.compile(r"[^\W_]+")


def _affiliation_pattern(affiliation: str) -> str | None:
    words = _WORD.findall(fold(text=affiliation.replace("&", " and ")))
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    core = " ".join(words)
    if len(core) < 3 or {core, "".join(words)} & _NON_IDENTIFYING_AFFILIATIONS:
        return None
    joined = r"[\s.,&-]*".join(re.escape(w) for w in words)
    # The suffix, never a period after it: that is more often the end of the sentence.
    suffix = rf"(?:[\s.,]+(?:{'|'.join(sorted(_TEXT_LEGAL_SUFFIXES))})\b)*"
    return rf"(?<![^\W_]){joined}(?![^\W_]){suffix}"


def _affiliation_candidates(
    folded: _Folded, speakers: Sequence[SpeakerIdentity]
) -> Iterable[tuple[int, int, FindingKind]]:
    patterns = {p for s in speakers if s.affiliation for p in [_affiliation_pattern(s.affiliation)]}
    patterns.discard(None)
    if not patterns:
        return
    pattern = re.compile("|".join(sorted(p for p in patterns if p is not None)))
    for match in pattern.finditer(folded.text):
        yield (*folded.span(match.start(), match.end()), FindingKind.AFFILIATION)


# --------------------------------------------------------------------------------------------
# Self-identifying phrases. Matched on folded text, so apostrophes are plain and case is gone.

_ROLE = (
    r"(?:original |lead |main |core |primary |principal |current |former )?"
    r"(?:co-?)?(?:author|creator|maintainer|founder|inventor|developer|contributor|committer"
    r"|organi[sz]er|designer)s?"
)
_BE_ROLE = rf"(?:the |a |an |one of the )?{_ROLE} (?:of|to|on|behind|for)\b"
_WORKING = r"(?:currently |now |also )?(?:working|interning) (?:at|for)\b"
_MADE = r"(?:co-?)?(?:maintained|created|authored|founded|invented)\b"
_MADE_LOOSELY = r"(?:joined|written|built|developed|designed|started)\b"
_TALK = r"(?:talks?|presentations?|keynotes?|tutorials?|workshops?)\b"
_EMPLOYER = r"(?:company|companies|employer|startup|organi[sz]ation|workplace|day job|current job"
_EMPLOYER += r"|clients?)\b"

# Phrases that identify the speaker, by leading word and group:
# - "plain" identifies on its own;
# - "object" identifies on its own, and the capitalised name after it (the employer, the
#   project) is part of the leak when there is one;
# - "needs" is too common in ordinary prose to flag unless such a name follows.
# Each leading word is searched as a literal, which the regex engine does at memchr speed; a
# single alternation starting with \b tried every word boundary and was three times slower.
_PHRASE_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "my ": {
        "plain": (
            _EMPLOYER,
            r"(?:previous|last|earlier|first|other|past) (?:talks?|presentations?|keynotes?"
            r"|tutorials?|workshops?|blog ?posts?|articles?|papers?)\b",
            r"(?:personal )?(?:blog|website|web site|homepage|home page|podcast|youtube|channel"
            r"|newsletter|twitter|github|mastodon|linkedin|thesis|phd|dissertation)\b",
            r"name is\b",
        ),
        "object": (
            r"(?:talk|presentation|keynote|tutorial|workshop) (?:last year(?: at| in)?|at|from)\b",
            r"(?:team|colleagues|group|lab|department|squad|manager) at\b",
            r"(?:own )?(?:open[- ]source )?(?:library|libraries|package|module|framework|book)\b",
        ),
        "needs": (
            r"(?:team|colleagues|group|lab|department) (?:in|from)\b",
            r"(?:project|tool|app|team)\b",
        ),
    },
    "our ": {
        "plain": (_EMPLOYER,),
        "object": (r"(?:team|colleagues|group|lab|department|squad) at\b",),
        "needs": (r"(?:team|colleagues|group|lab|department) (?:in|from)\b",),
    },
    "at ": {
        "plain": (r"(?:my|our) (?:company|job|work|employer|startup|workplace|day job|office)\b",),
    },
    "where i work": {"plain": (r"\b",)},
    "last year": {
        "plain": (r",? (?:i|we) (?:gave|spoke|talked|presented)\b", rf"'s {_TALK}"),
        "needs": (r" at\b",),  # "last year at PyCon"
    },
    "previous year": {"plain": (r",? (?:i|we) (?:gave|spoke|talked|presented)\b", rf"'s {_TALK}")},
    "talk i gave": {"plain": (r"\b",)},
    "talk we gave": {"plain": (r"\b",)},
    "as i ": {
        "plain": (
            r"(?:said|mentioned|showed|presented|explained|discussed|argued)"
            r" (?:at|in|during|last)\b",
        )
    },
    "like i ": {
        "plain": (
            r"(?:said|mentioned|showed|presented|explained|discussed)"
            r" (?:at|in|during|last)\b",
        )
    },
    "i ": {
        "plain": (
            r"(?:gave|presented|spoke|talked)(?: a talk)? (?:at|in) (?:last|previous)\b",
            rf"(?:gave|presented) (?:a|this|the same|my) {_TALK}",
        ),
        "object": (
            rf"(?:am )?{_WORKING}",
            r"work(?:ed)? (?:at|for)\b",
            r"(?:am )?employed (?:at|by|with)\b",
            r"have been working (?:at|for)\b",
            rf"(?:am|have been|was) {_BE_ROLE}",
            r"(?:co-?)?(?:maintain|created|authored|founded|invented|open[- ]sourced)\b",
            rf"have {_MADE}",
            r"am (?:currently )?maintaining\b",
        ),
        "needs": (
            r"(?:joined|wrote|built|developed|designed|started)\b",
            rf"have {_MADE_LOOSELY}",
            r"am (?:a|an|the) [a-z -]{3,40}? at\b",
        ),
    },
    "i'": {
        "object": (
            rf"m {_WORKING}",
            r"m employed (?:at|by|with)\b",
            r"ve been working (?:at|for)\b",
            rf"(?:m|ve been) {_BE_ROLE}",
            rf"ve {_MADE}",
            r"m (?:currently )?maintaining\b",
        ),
        "needs": (rf"ve {_MADE_LOOSELY}", r"m (?:a|an|the) [a-z -]{3,40}? at\b"),
    },
    "as ": {"object": (rf"(?:the |a |an |one of the )?{_ROLE} (?:of|behind)\b",)},
    "we ": {
        "needs": (
            r"at\b",
            r"(?:built|created|developed|wrote|maintain|open[- ]sourced|released)\b",
            rf"have {_MADE_LOOSELY}",
        ),
    },
    "we've ": {"needs": (_MADE_LOOSELY, _MADE)},
    "here ": {"needs": (r"at\b",)},
    "trabajo ": {"object": (r"(?:en|para)\b",)},
    "je travaille ": {"object": (r"(?:chez|pour)\b",)},
    "ich arbeite ": {"object": (r"(?:bei|fur)\b",)},
    "lavoro ": {"object": (r"(?:presso|per)\b",)},
}
_PHRASE_PATTERNS = tuple(
    re.compile(
        re.escape(lead)
        + "(?:"
        + "|".join(f"(?P<{group}>{'|'.join(rests)})" for group, rests in groups.items())
        + ")"
    )
    for lead, groups in _PHRASE_RULES.items()
)
_OBJECT_WORD = r"""[`"'*_]*[A-Z0-9](?:[\w&'+-]|\.(?=\w))*[`"'*_]*"""
# Project names are often lower case but shaped like identifiers: f2xparse, parse.js, my_lib.
# Hyphens are left out: "one-off" and "in-house" are far more common than "py-widgets".
# Letters, then a digit or a separator, and each piece can start in one place only: every way
# of matching a string is the same way, so a failing "\b" gives back each character once.
# The earlier form, "[a-z][a-z0-9]*(?:[_.][a-z0-9]+|\d[a-z0-9]*)+", could split a run of digits
# in 2^n ways and took seconds on "I built a" + 23 digits + "_X" (issue 13). Same language, and
# the same (longest) match: checked exhaustively against it on strings up to six characters.
_IDENTIFIER = r"[a-z]+(?:\d[a-z0-9]*(?:[_.][a-z0-9]+)*|(?:[_.][a-z0-9]+)+)\b"
_PROPER_NOUN_RUN = re.compile(
    rf"[ \t]+(?:the[ \t]+)?(?:(?!I\b){_OBJECT_WORD}|{_IDENTIFIER})"
    rf"(?:[ \t]+(?:(?:of|de|and|&|for)[ \t]+)?(?!I\b){_OBJECT_WORD}){{0,4}}"
)
_CODE_OBJECT = re.compile(r"[ \t]+(?:the[ \t]+)?(?:`[^`\n]{1,60}`|\*\*[^*\n]{1,60}\*\*)")


def _phrase_object_end(original: str, end: int) -> int | None:
    """Where the name right after "I work at" or "I created" ends, if one follows."""
    extension = _CODE_OBJECT.match(original, end) or _PROPER_NOUN_RUN.match(original, end)
    if extension is None:
        return None
    object_end = extension.end()
    while object_end > end and original[object_end - 1] in ".,;:'\"":
        object_end -= 1
    return object_end


def _phrase_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    for pattern in _PHRASE_PATTERNS:
        for match in pattern.finditer(text):
            if match.start() > 0 and text[match.start() - 1].isalnum():
                continue  # "my " inside "economy "
            start, end = folded.span(match.start(), match.end())
            if match.lastgroup == "plain":
                yield start, end, FindingKind.PHRASE
                continue
            # The name right after "I work at" or "I created" is the identifying part.
            object_end = _phrase_object_end(folded.original, end)
            if object_end is not None:
                yield start, object_end, FindingKind.PHRASE
            elif match.lastgroup == "object":
                yield start, end, FindingKind.PHRASE


# --------------------------------------------------------------------------------------------
# Putting it together.


def _merge(text: str, candidates: Iterable[tuple[int, int, FindingKind]]) -> tuple[Finding, ...]:
    """Union of overlapping candidates, each named after its longest, most specific member."""
    ordered = sorted(
        (c for c in candidates if c[0] < c[1]),
        key=lambda c: (c[0], -(c[1] - c[0]), _SPECIFICITY[c[2]]),
    )
    findings: list[Finding] = []
    group_start = group_end = -1
    best: tuple[int, int, FindingKind] | None = None
    for candidate in ordered:
        start, end, _ = candidate
        if best is not None and start < group_end:
            group_end = max(group_end, end)
            if _rank(candidate) < _rank(best):
                best = candidate
            continue
        if best is not None:
            findings.append(_finding(text, group_start, group_end, best[2]))
        group_start, group_end, best = start, end, candidate
    if best is not None:
        findings.append(_finding(text, group_start, group_end, best[2]))
    return tuple(findings)


def _rank(candidate: tuple[int, int, FindingKind]) -> tuple[int, int]:
    start, end, kind = candidate
    return -(end - start), _SPECIFICITY[kind]


def _finding(text: str, start: int, end: int, kind: FindingKind) -> Finding:
    return Finding(kind=kind, start=start, end=end, text=text[start:end])


def scan(*, text: str, speakers: Sequence[SpeakerIdentity]) -> tuple[Finding, ...]:
    """Every leak of the speakers' identity in `text`, sorted by start and non-overlapping."""
    if not text:
        return ()
    folded = _Folded(text, *_fold_with_map(text))
    usernames = _link_usernames(speakers)
    candidates: list[tuple[int, int, FindingKind]] = []
    for speaker in speakers:
        candidates.extend(_name_candidates(folded, _speaker_parts(speaker.name)))
    candidates.extend(_email_candidates(folded))
    candidates.extend(_handle_candidates(folded))
    candidates.extend(_link_candidates(folded, speakers, usernames))
    candidates.extend(_username_candidates(folded, usernames))
    candidates.extend(_affiliation_candidates(folded, speakers))
    candidates.extend(_phrase_candidates(folded))
    return _merge(text, candidates)


def redact(*, text: str, findings: Sequence[Finding]) -> str:
    """`text` with each finding replaced by a marker naming its kind, such as "[name]"."""
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, f.end)):
        start = max(finding.start, position)
        end = min(finding.end, len(text))
        if end <= start:
            continue
        pieces.append(text[position:start])
        pieces.append(f"[{finding.kind.value}]")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_text(
    *,
    text: str,
    speakers: Sequence[SpeakerIdentity],
    ignored: Collection[tuple[int, int]] = (),
) -> str:
    """Scan and redact, leaving findings inside a chair-ignored (start, end) span untouched."""
    findings = [
        finding
        for finding in scan(text=text, speakers=speakers)
        if not any(start <= finding.start and finding.end <= end for start, end in ignored)
    ]
    return redact(text=text, findings=findings)
