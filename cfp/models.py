"""Tables of the call for proposals: calls, their configuration, people and proposals.

No business logic here: ``cfp.services`` writes, ``cfp.queries`` reads. No model has a default
ordering: every read that lists rows says its order (``order_by``) where it is made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Role(models.TextChoices):
    CHAIR = "chair", _("Chair")
    REVIEWER = "reviewer", _("Reviewer")
    # Helps the speakers who asked with their drafts; sees only the proposals matched (issue 25).
    MENTOR = "mentor", _("Mentor")


class Call(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    review_deadline_at = models.DateTimeField(null=True, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text=_("Accepted talk languages."))
    # The language the chairs wrote the call in: what a reader gets when their language has no
    # translation (then English). Translations: {"de": {"description": "…"}} (issue 24).
    main_language = models.CharField(max_length=10, default="en")
    translations = models.JSONField(default=dict, blank=True)
    reviews_per_proposal = models.PositiveSmallIntegerField(default=3)
    chairs_blind = models.BooleanField(
        default=True, help_text=_("Chairs see redacted text until they reveal identities.")
    )
    identities_revealed_at = models.DateTimeField(null=True, blank=True)
    # The zone chairs think in: dates are stored in UTC and shown and entered in this zone.
    timezone = models.CharField(max_length=64, default="UTC")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Reviewers may bid on proposals until this moment; empty = bidding is not open.
    bidding_closes_at = models.DateTimeField(null=True, blank=True)
    # Mentoring (issue 25): reviewers may sign up as mentors themselves; mentors may also review
    # (never a proposal they mentor). PyCon AU's rule is False.
    reviewers_may_mentor = models.BooleanField(default=False)
    mentors_may_review = models.BooleanField(default=True)
    # When reviewers may read each other's reviews (cfp.domain.visibility.OthersReviews, issue 21).
    others_reviews = models.CharField(
        max_length=20,
        default="after_own",
        choices=[
            ("never", _("Never")),
            ("after_own", _("After their own review")),
            ("after_phase", _("After the review phase")),
        ],
    )
    # Calibrate on each review's first independent scores, not on changes made after reading
    # others' reviews or the discussion (issue 21, docs/scoring-model.md).
    independent_scores = models.BooleanField(default=True)
    # Accepted speakers confirm or decline until this moment; empty = no deadline (issue 19).
    confirmation_deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(reviews_per_proposal__gte=1), name="call_needs_one_review"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Format(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="formats")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    slots = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "slug"], name="format_slug_per_call")
        ]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="tracks")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "slug"], name="track_slug_per_call")]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    guidance = models.TextField(blank=True)
    # {"de": {"name": "…", "guidance": "…"}}: see Call.translations.
    translations = models.JSONField(default=dict, blank=True)
    minimum = models.SmallIntegerField(default=1)
    maximum = models.SmallIntegerField(default=5)
    weight = models.FloatField(default=1.0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "slug"], name="criterion_slug_per_call"),
            models.CheckConstraint(
                condition=Q(maximum__gt=F("minimum")), name="criterion_max_above_min"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one call: a chair of call A has no rights in call B."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "user", "role"], name="one_role_row_per_person")
        ]


class Speaker(models.Model):
    """A person who speaks: a signed-up user's profile, or an imported speaker without account.

    Name, bio, affiliation and links are speaker identity (PRODUCT.md data class 2); the
    first-time, English and mentoring answers are programme attributes (class 3). Reviewers never
    see either.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="speaker",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    bio = models.TextField(blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    links = models.JSONField(default=list, blank=True)
    region = models.CharField(max_length=100, blank=True)
    spoken_before = models.BooleanField(null=True, blank=True)
    english_additional = models.BooleanField(null=True, blank=True)
    wants_mentor = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.name


class PersonSettings(models.Model):
    """What one person chose on their settings page (/me/settings/) that belongs to no call.

    A row exists only once they saved: no row means every default below. Per-call reviewing
    preferences (languages, tracks, maximum load) live in ``reviews.ReviewerSettings``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_settings"
    )
    decision_mail = models.BooleanField(default=True)
    reviewer_reminders = models.BooleanField(default=True)
    # The interface language they chose (a code of settings.LANGUAGES); empty = their browser's.
    # It also picks the language of every e-mail sent to them (issue 24).
    language = models.CharField(max_length=10, blank=True, default="")
    updated_at = models.DateTimeField()


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Saved by the speaker, not submitted: no reviewer, count, report or export sees it (issue 25).
    DRAFT = "draft", _("Draft")


# The states in which a proposal takes part in the call: reviewed, assigned, ranked, decided,
# counted in reports. A state added later (a draft, an acceptance the speaker confirms) is placed
# here or not, and every query that asks ``submitted()`` follows.
IN_CALL_STATES: tuple[str, ...] = (ProposalState.SUBMITTED,)


def in_call(prefix: str = "") -> Q:
    """Proposals that take part in the call, through a relation such as ``"proposal__"``."""
    return Q(**{f"{prefix}state__in": IN_CALL_STATES})


class Confirmation(models.TextChoices):
    """An accepted speaker's answer: will they give the talk? Empty on the proposal = no answer."""

    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


def committee_sees(prefix: str = "") -> Q:
    """Proposals the committee (chairs, reviewers) may know of by code: every one but drafts.

    A draft is the speaker's until they submit it; chairs learn only that it exists through the
    mentoring pages (issue 25). Withdrawn proposals stay readable to chairs.
    """
    return ~Q(**{f"{prefix}state": ProposalState.DRAFT})


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def submitted(self) -> ProposalQuerySet:
        """Proposals that take part in the call (not withdrawn, and in future not drafts)."""
        return self.filter(in_call())


class Proposal(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="proposals")
    code = models.CharField(max_length=12, unique=True)
    # NULL, not "", so the partial unique constraints ignore rows without one.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    # Guards against double submits: the form carries a random token, unique per owner.
    submission_token = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    state = models.CharField(
        max_length=20, choices=ProposalState.choices, default=ProposalState.SUBMITTED
    )
    title = models.CharField(max_length=250)
    abstract = models.TextField()
    description = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    # RESTRICT, not PROTECT: deleting a whole call may take its formats and proposals together.
    format = models.ForeignKey(Format, on_delete=models.RESTRICT, related_name="proposals")
    track = models.ForeignKey(
        Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.INTERMEDIATE)
    language = models.CharField(max_length=10, default="en")
    version = models.PositiveIntegerField(default=1)
    # What reviewers receive: the reviewer-visible fields after the leak scanner, computed when
    # the text is saved so that review pages never scan on the read path.
    redacted = models.JSONField(default=dict, blank=True)
    findings = models.JSONField(default=list, blank=True)
    # ``redacted`` rendered as the HTML a reviewer reads (``cfp.domain.shown_html``), written with
    # it by ``cfp.services.texts``, so the scoring screen does not parse Markdown on every load.
    # NULL (or an older format) means "render it when shown".
    shown_html = models.JSONField(null=True, blank=True)
    reopened_until = models.DateTimeField(null=True, blank=True)
    # What the speaker is told, written by the reviews app when chairs send decisions; kept here
    # so the submitter's pages read it without the cfp app depending on reviews.
    published_decision = models.CharField(max_length=20, blank=True)
    published_feedback = models.JSONField(default=list, blank=True)
    decision_sent_at = models.DateTimeField(null=True, blank=True)
    # The speaker's answer to an acceptance (``Confirmation``; "" = not answered yet) and when.
    confirmation = models.CharField(max_length=20, blank=True, choices=Confirmation.choices)
    confirmation_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ProposalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "external_id"],
                condition=Q(external_id__isnull=False),
                name="external_id_unique_per_call",
            ),
            models.UniqueConstraint(
                fields=["owner", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="one_proposal_per_submission_token",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "state"]),
            # The newest change of a call's proposals, read by every chair dashboard view.
            models.Index(fields=["call", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class ProposalSpeaker(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="speaker_links")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="proposal_links")
    position = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "speaker"], name="speaker_once_per_proposal"
            )
        ]


class ProposalVersion(models.Model):
    """The text as it was at each save; reviews record which version they scored."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=250)
    abstract = models.TextField()
    description = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # What reviewers saw of this version, redacted with the speakers as they were then, so a
    # later rename cannot make an old version's text name its speaker in "what changed".
    redacted = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="one_row_per_version")
        ]


class MentoringRequest(models.Model):
    """A speaker asked for a mentor for this proposal (issue 25); one row per proposal.

    ``closed_at`` is set when the speaker no longer wants one. The mentor is in MentorMatch.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="mentoring_request"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)


class MentorMatch(models.Model):
    """A mentor paired with a proposal; ``ended_at`` set when the speaker asked for another.

    An ended match still keeps its mentor off that proposal's reviews.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="mentor_matches")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_matches"
    )
    # Empty: the matching run placed it; else the chair who matched by hand.
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    matched_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(ended_at__isnull=True),
                name="one_current_mentor_per_proposal",
            ),
            models.UniqueConstraint(fields=["proposal", "mentor"], name="mentor_once_per_proposal"),
        ]


class MentoringPost(models.Model):
    """One message in the thread between a proposal's speakers and its mentor."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="mentoring_posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["proposal", "created_at"])]


class SuggestionState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    IGNORED = "ignored", _("Ignored")


class MentoringSuggestion(models.Model):
    """A mentor's proposed change to a passage of the abstract: replace ``original`` with
    ``replacement``. Accepting it saves a new version through the proposal's write path."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="mentoring_suggestions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original = models.TextField()
    replacement = models.TextField(blank=True)
    note = models.TextField(blank=True)
    state = models.CharField(
        max_length=20, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)


class CoSpeakerInvite(models.Model):
    """A one-time link to join a proposal as a speaker; only the token's hash is stored."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)


class EmailVerification(models.Model):
    """A one-time link that confirms an address and sets the account's first password.

    Only the token's hash is stored and the link carries no user id. Sign-up leaves the account
    inactive and without a usable password, so whoever opens the link sent to the address (its
    owner) chooses the only password that will work; a new sign-up or reset for the same pending
    account deletes the older links.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    URL = "url", _("Web address")
    YES_NO = "yes_no", _("Yes or no")
    CHOOSE_ONE = "choose_one", _("Choose one")
    CHOOSE_MANY = "choose_many", _("Choose any")


class QuestionTarget(models.TextChoices):
    PROPOSAL = "proposal", _("Once per proposal")
    SPEAKER = "speaker", _("Each speaker")


class QuestionVisibility(models.TextChoices):
    REVIEWERS = "reviewers", _("Reviewers (after the leak scanner)")
    CHAIRS = "chairs", _("Chairs only")


class Question(models.Model):
    """A chair's own question on the submission form."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=500, blank=True)
    # {"de": {"label": "…", "help_text": "…"}}: see Call.translations.
    translations = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(default=list, blank=True)
    target = models.CharField(
        max_length=20, choices=QuestionTarget.choices, default=QuestionTarget.PROPOSAL
    )
    required = models.BooleanField(default=False)
    visibility = models.CharField(
        max_length=20, choices=QuestionVisibility.choices, default=QuestionVisibility.CHAIRS
    )
    position = models.PositiveSmallIntegerField(default=0)


class Answer(models.Model):
    """One answer: per proposal (speaker empty) or per speaker on a proposal."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    speaker = models.ForeignKey(
        Speaker, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    value = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "proposal"],
                condition=Q(speaker__isnull=True),
                name="one_answer_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["question", "proposal", "speaker"],
                condition=Q(speaker__isnull=False),
                name="one_answer_per_speaker",
            ),
        ]


class FalsePositive(models.Model):
    """A chair's ruling that a scanner finding is not an identity leak."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="false_positives")
    field = models.CharField(max_length=40)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    marked_at = models.DateTimeField()


class AuditEvent(models.Model):
    """Who did what, when: decisions, reveals, reopenings, role changes."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="audit_events")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["call", "created_at"])]


class EmailOutbox(models.Model):
    """One row per e-mail we promised to send; its unique key makes sending exactly-once.

    A task sends the rows with ``sent_at`` empty and stamps them; a retried or duplicated task
    finds them stamped and sends nothing. A failed attempt is counted, and a periodic sweep
    queues unsent rows again with a growing pause, so a lost task or a mail server that was down
    delays an e-mail but does not lose it.
    """

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The mail server's answer to the last failed attempt, for the operator (no body, no address).
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            )
        ]


class NoticeKind(models.TextChoices):
    DECLINED = "declined", _("Speaker declined")
    EDITED = "edited", _("Edited after acceptance")
    WITHDRAWN = "withdrawn", _("Withdrawn after acceptance")


class ChairNotice(models.Model):
    """Something a speaker did that chairs must hear about: a decline, an edit or a withdrawal
    after acceptance (issue 19). Shown on the chair dashboard until a chair dismisses it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="chair_notices")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="chair_notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    created_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["call", "created_at"],
                condition=Q(dismissed_at__isnull=True),
                name="notice_open_idx",
            )
        ]
