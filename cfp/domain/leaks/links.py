"""E-mail addresses, @handles and links that point to a person."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cfp.domain.leaks import work
from cfp.domain.leaks.folding import _Folded, fold
from cfp.domain.leaks.kinds import FindingKind, SpeakerIdentity
from cfp.domain.leaks.names import _speaker_parts, _word_hits
from cfp.domain.leaks.words import _words

# These patterns run on folded, lower-case text.
# The local part is possessive (`++`): it cannot end in "@" or a bracket anyway, and giving
# it back one character at a time made every word of a text full of "@" cost its length again.
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]++@(?:[\w-]+\.)+[a-z]{2,24}(?![\w-])"
    r"|(?<![\w.+-])[\w.+-]++\s*+[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w-]+)+"
)
_OBFUSCATED_AT = re.compile(r"[\[(] ?at ?[\])]")

# The "@" comes first, so the engine looks for it at memchr speed; the look-behind then checks
# the character before it (at the start of the text the look-behind has nothing to match).
_HANDLE = re.compile(r"@(?<![\w@./:+`-]@)(\w(?:[\w.-]*\w)?)(@(?:[\w-]+\.)+[a-z]{2,24})?")

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

# Any scheme, so pip's "git+https://" and "git+git://" requirement lines count too. Both forms
# start where no word character stands before (for a scheme's first letter, that is "\b"), and
# that one test comes first: most positions of prose are inside a word and fail on it at once.
_URL = re.compile(r"(?<!\w)(?:[a-z][a-z0-9+.-]{1,15}+://|(?<![.@/-])www\.)[^\s<>\"'`\[\]{}|\\^]+")

_BARE_TLDS = (
    "com|org|net|io|dev|me|co|info|blog|ai|app|xyz|tech|site|page|ninja|rocks|codes|social|"
    "eu|uk|de|fr|es|it|nl|pl|ru|br|jp|cn|kr|ca|au|ch|be|se|cz|sk|pt|ar|mx|tw|in|us|edu|gov|"
    "to|ly|sh|gg|fm|tv|cc|ee|nz|ie|at|dk|fi|no|il|za|sg|hk"
)
# A label is 1-63 of [a-z0-9-], not starting or ending with "-": taken whole (possessive) and
# then checked, rather than given back one character at a time at every word that is no label.
_BARE_DOMAIN = re.compile(
    rf"(?<![\w@./:-])(?:(?!-)[a-z0-9-]{{1,63}}+(?<!-)\.)+(?:{_BARE_TLDS})"
    r"(?![\w(-])(?:/[^\s<>\"'`\[\]{}|\\^]*)?"
)
_TLD_HINT = re.compile(rf"\.(?:{_BARE_TLDS})\b")
# The characters of a bare domain's labels, read backwards from a hint on the reversed text.
_DOMAIN_CHARS = re.compile(r"[a-z0-9.-]*")
# Characters per hint below which the pattern reads the whole text (measured: a step back and
# a match cost about what the pattern's pass over 30-40 characters costs).
_HINTS_APART = 40


def _bare_domains(text: str) -> Iterable[re.Match[str]]:
    """`_BARE_DOMAIN.finditer(text)`, tried only where a domain can start.

    A bare domain ends in a top-level domain (`_TLD_HINT` finds each ".com" at memchr speed)
    and starts where its run of label characters starts: no label character, "@", "/" or ":"
    may stand before it, so no other position of the run can start one. The pattern is
    matched once per run that holds a hint, not tried at every word of the text: a text with
    one link was read by it word by word. Each hint reads back at most to the hint before it
    (when it gets there, both are in one run, tried already): linear in the text. A text
    dense with hints (a list of domains) is read by the pattern itself: a match per few
    characters costs less in one pass than a step back and a match from each hint.
    """
    hints = [hint.start() for hint in _TLD_HINT.finditer(text)]
    work.checked(len(hints))
    if len(hints) * _HINTS_APART > len(text):
        yield from _BARE_DOMAIN.finditer(text)
        return
    size = len(text)
    reversed_text = text[::-1]
    previous: int | None = None
    position = 0
    for at in hints:
        limit = size - at + (at - previous if previous is not None else at)
        run = _DOMAIN_CHARS.match(reversed_text, size - at, limit)
        reached_previous = previous is not None and run is not None and run.end() == limit
        previous = at
        if run is None or reached_previous:
            continue
        start = at - (run.end() - run.start())
        if start < position:
            continue
        match = _BARE_DOMAIN.match(text, start)
        if match is not None:
            yield match
            position = match.end()


_TRAILING_PUNCTUATION = ".,;:!?*_'\""
_TRAILING_OR_CLOSING = frozenset(_TRAILING_PUNCTUATION + ")")

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
    """`url` without trailing punctuation, and ending before a parenthesis it does not open.

    "[see](https://example.org)more" and "(at https://example.org)." show the URL without the
    parenthesis; "https://en.wikipedia.org/wiki/Mercury_(planet)" keeps its own pair.
    """
    close = url.find(")")
    if close == -1 and url[-1:] not in _TRAILING_OR_CLOSING:
        return url  # most URLs: nothing to trim
    opened = closed = previous = 0
    while close != -1:
        opened += url.count("(", previous, close)
        closed += 1
        if closed > opened:
            url = url[:close]
            break
        previous, close = close, url.find(")", close + 1)
    while url and url[-1] in _TRAILING_OR_CLOSING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@lru_cache(maxsize=256)
def _is_scheme(before: str) -> bool:
    """Whether `before` + "://" starts a URL with a scheme (a text has one or two: cached)."""
    return _SCHEME.match(before + "://") is not None


def _url_host_and_path(url: str) -> tuple[str, str]:
    scheme, separator, rest = url.partition("://")
    # The scheme test is the pattern's only when there is a "://" to test (most URLs here).
    body = rest if separator and _is_scheme(scheme) else url
    host, _, path = body.partition("/")
    if "@" in host:
        host = host.rpartition("@")[2]  # credentials
    if ":" in host:
        host = host.partition(":")[0]  # port
    return host.lower().removeprefix("www."), "/" + path


def _normalise_link(link: str) -> str:
    host, path = _url_host_and_path(link.strip())
    return (host + path).rstrip("/").lower()


# What a host says about a link, before its path is read.
_ANY_PATH, _PROFILE_PATH, _NO_PROFILE = "any path", "profile path", "no profile"


def _host_kind(host: str) -> str:
    """Whether a host's links are a person's by path (a profile host), whole (a personal
    subdomain), or never by host (everything else, and a profile host's own site pages).

    Not cached: three set lookups and one `endswith` (0.13 us) cost less than a cache miss
    (0.28 us), and a text full of links names a new host in most of them."""
    if host == "bsky.app" or host in _PROFILE_HOSTS or host.removeprefix("m.") in _PROFILE_HOSTS:
        return _PROFILE_PATH
    if host in _SITE_HOSTS:
        return _NO_PROFILE
    return _ANY_PATH if host.endswith(_PERSONAL_SUBDOMAIN_HOSTS) else _NO_PROFILE


def _is_profile_link(host: str, path: str) -> bool:
    kind = _host_kind(host)
    if kind == _NO_PROFILE:
        # Only a fediverse-style first segment ("/@user") makes such a link a profile.
        first = path.lstrip("/").partition("/")[0]
        return first.startswith("@") and len(first) > 1
    if kind == _ANY_PATH:
        return True
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
    return host.endswith(_PERSONAL_SUBDOMAIN_HOSTS)


@dataclass(frozen=True, slots=True)
class _UrlNames:
    """What makes a URL personal for these speakers."""

    anywhere: tuple[str, ...]  # name parts matched anywhere in the URL
    delimited: tuple[str, ...]  # matched only between non-letters: "/ann/" but not "/announce"
    own_links: tuple[str, ...]  # normalised host+path prefixes
    own_hosts: tuple[str, ...]  # personal sites: any page on them
    own_subdomains: tuple[str, ...]  # ".host" for each of them: their subdomains
    own_prefixes: tuple[str, ...]  # "host/path/" for each own link: it and the pages under it
    own_link_hosts: frozenset[str]  # the hosts of those links
    # Verdicts of `_url_is_personal` by URL: a text reads its links as typed and as shown, and
    # a text full of links repeats them. Bounded; cleared when full.
    verdicts: dict[str, bool] = field(default_factory=dict, compare=False, hash=False)


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
        anywhere=tuple(sorted(p for p in anywhere if p)),
        delimited=tuple(sorted(p for p in delimited if p)),
        own_links=tuple(own_links),
        own_hosts=tuple(own_hosts),
        own_subdomains=tuple("." + host for host in own_hosts),
        own_prefixes=tuple(link + "/" for link in own_links),
        own_link_hosts=frozenset(_url_host_and_path(link)[0] for link in own_links),
    )


# Below this many URLs in a text, trying the parts one by one is cheaper than compiling them.
_COMPILE_AFTER = 16
_VERDICTS_KEPT = 4096


@lru_cache(maxsize=256)
def _parts_patterns(
    anywhere: tuple[str, ...], delimited: tuple[str, ...]
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The URL name parts as one alternation each: one search per URL in a text full of them."""
    return (
        re.compile("|".join(map(re.escape, anywhere))) if anywhere else None,
        re.compile(rf"(?<![^\W\d_])(?:{'|'.join(map(re.escape, delimited))})(?![^\W\d_])")
        if delimited
        else None,
    )


@lru_cache(maxsize=1024)
def _cached_url_names(
    speakers: tuple[SpeakerIdentity, ...], usernames: frozenset[str]
) -> _UrlNames:
    """`_url_names`, worked out once per set of speakers (every pass and re-check asks)."""
    return _url_names(speakers, usernames)


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


def _url_is_personal(
    url: str,
    names: _UrlNames,
    patterns: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None,
) -> bool:
    """Whether the (folded) URL points to a person rather than a project or a document."""
    host, path = _url_host_and_path(url)
    # Most hosts are no profile host: then only a fediverse path ("/@user") can make one.
    if (_host_kind(host) != _NO_PROFILE or "@" in path) and _is_profile_link(host, path):
        return True
    # The link itself or a page under it: "github.com/jdoe" and "github.com/jdoe/talks".
    if host in names.own_link_hosts and f"{(host + path).rstrip('/')}/".startswith(
        names.own_prefixes
    ):
        return True
    if names.own_hosts and (host in names.own_hosts or host.endswith(names.own_subdomains)):
        return True
    if patterns is not None:
        anywhere, delimited = patterns
        if anywhere is not None and anywhere.search(url):
            return True
        return delimited is not None and delimited.search(url) is not None
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
    verdicts: dict[str, bool] = {}
    name_patterns: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None
    seen = 0
    patterns: list[Callable[[str], Iterable[re.Match[str]]]] = []
    # Cheap substring tests first: most texts have no link at all.
    if "://" in text or "www." in text:
        patterns.append(_URL.finditer)
    if _TLD_HINT.search(text):
        patterns.append(_bare_domains)
    # Spans already taken by an earlier pattern, sorted: one pattern's matches never overlap
    # each other (finditer), so only a later pattern's match needs looking up, by bisection;
    # a scan over every claimed span made many links quadratic.
    claimed_starts: list[int] = []
    claimed_ends: list[int] = []
    work.read(len(text) * (2 + len(patterns)))
    for number, pattern in enumerate(patterns):
        # Only a later pattern looks up what an earlier one took, and only an earlier one
        # records it (its matches come in order: appended, sorted): the loop runs once per URL
        # of a text full of them.
        taken_starts, taken_ends = list(claimed_starts), list(claimed_ends)
        claims = number + 1 < len(patterns)
        count = 0
        for match in pattern(text):
            count += 1
            start = match.start()
            if taken_starts:
                i = bisect.bisect_right(taken_starts, start) - 1
                if i >= 0 and start < taken_ends[i]:
                    continue
            url = _trim_url(match.group())
            end = start + len(url)
            if claims:
                claimed_starts.append(start)
                claimed_ends.append(end)
            if names is None:
                names = _cached_url_names(tuple(speakers), frozenset(usernames))
                verdicts = names.verdicts
            seen += 1
            if seen == _COMPILE_AFTER:
                name_patterns = _parts_patterns(names.anywhere, names.delimited)
            if "." not in url:
                continue
            personal = verdicts.get(url)
            if personal is None:
                personal = _url_is_personal(url, names, name_patterns)
                if len(verdicts) >= _VERDICTS_KEPT:
                    verdicts.clear()
                verdicts[url] = personal
            if personal:
                yield (*folded.span(start, end), FindingKind.LINK)
        work.checked(count)


# `_EMAIL`'s plain form from its "@": the domain, then the local part read backwards (on the
# reversed text) as the longest run of its characters before the "@".
_EMAIL_DOMAIN = re.compile(r"@(?:[\w-]+\.)+[a-z]{2,24}(?![\w-])")
_LOCAL_PART_REVERSED = re.compile(r"[\w.+-]+")


def _email_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    obfuscated = _OBFUSCATED_AT.search(text) is not None
    if "@" not in text and not obfuscated:
        return
    work.read(len(text))
    if obfuscated:
        for match in _EMAIL.finditer(text):
            work.checked()
            yield (*folded.span(match.start(), match.end()), FindingKind.EMAIL)
        return
    # Only the plain form: found from each "@" (at memchr speed) rather than tried at the start
    # of every word, which cost a text full of "@" as much as the rest of the scan.
    reversed_text = text[::-1]
    size = len(text)
    previous_end = 0
    count = 0
    for match in _EMAIL_DOMAIN.finditer(text):
        count += 1
        at, end = match.span()
        local = _LOCAL_PART_REVERSED.match(reversed_text, size - at)
        if local is None:
            continue
        start = at - (local.end() - local.start())
        if start < previous_end:
            continue  # the run before the "@" began inside the previous address
        previous_end = end
        yield (*folded.span(start, end), FindingKind.EMAIL)
    work.checked(count)


def _is_decorator_line(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands alone on its line, above a def, a class or a decorator.

    The line's ends are found by walking over blank characters only: looking for the newline
    itself made every handle on one long line read the line again (quadratic in handles).
    Each run of blanks is walked by the one handle beside it, so the total stays linear.
    """
    line_start = start
    while line_start > 0 and text[line_start - 1] != "\n" and text[line_start - 1].isspace():
        line_start -= 1
    if line_start > 0 and text[line_start - 1] != "\n":
        return False
    line_end = end
    while line_end < len(text) and text[line_end] != "\n" and text[line_end].isspace():
        line_end += 1
    if line_end == len(text) or text[line_end] != "\n":
        return False
    following = text[line_end + 1 : line_end + 80].lstrip()
    return following.startswith(("def ", "class ", "async def ", "@"))


# An "@" after a line break and blanks (no other line break), and at the start of the text.
_AT_LINE_START = re.compile(r"\n[^\S\n]*+@")
_AT_TEXT_START = re.compile(r"[^\S\n]*+@")


def _at_line_starts(text: str) -> set[int]:
    """The offsets of the "@"s with nothing but blanks before them on their line."""
    starts = {match.end() - 1 for match in _AT_LINE_START.finditer(text)}
    first = _AT_TEXT_START.match(text)
    if first is not None:
        starts.add(first.end() - 1)
    return starts


def _handle_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    if "@" not in text:
        return
    work.read(len(text))
    # Only an "@" that starts its line can stand on a decorator's line: the others are not
    # walked around.
    line_starts = _at_line_starts(text)
    size = len(text)
    aligned = folded.origin is None  # then a span of the folded text is one of the original
    handle = FindingKind.HANDLE
    count = 0
    # The folded text is lower-case already: the name is looked up as it is.
    for match in _HANDLE.finditer(text):
        count += 1
        name, server = match.group(1, 2)
        start, end = match.span()
        if name[0].isdigit() or name in _NOT_HANDLES:
            continue
        if end < size and text[end] in "(/`":
            continue  # decorator calls, npm scopes, inline code
        if "." in name and not server and not _HANDLE_DOMAIN_TAIL.search(name):
            continue  # dotted decorators such as @app.route or @pytest.mark.slow
        if start in line_starts and _is_decorator_line(text, start, end):
            continue
        yield (start, end, handle) if aligned else (*folded.span(start, end), handle)
    work.checked(count)


def _username_candidates(
    folded: _Folded,
    usernames: Iterable[str],
    handles: Sequence[tuple[int, int, FindingKind]] = (),
) -> Iterable[tuple[int, int, FindingKind]]:
    """The speakers' usernames as words; one inside a found @handle (`handles`, sorted spans of
    the original text) is left out: the handle covers it."""
    words = [u for u in usernames if len(u) >= 3]
    starts = [start for start, _, _ in handles]
    for start, end, _ in _word_hits(folded.text, words):
        span = folded.span(start, end)
        inside = bisect.bisect_right(starts, span[0]) - 1
        if inside >= 0 and handles[inside][1] >= span[1]:
            continue
        yield (*span, FindingKind.HANDLE)
