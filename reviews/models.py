"""Tables of reviewing, aggregation and curation. No business logic and no default ordering here:
``services`` write, ``queries`` read and say the order they need."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cfp.models import Call, Proposal


class ReviewerSettings(models.Model):
    """What a reviewer told us when accepting the invitation to one call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reviewer_settings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    languages = models.JSONField(default=list, blank=True)
    tracks = models.JSONField(default=list, blank=True)
    max_load = models.PositiveIntegerField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # A daily e-mail of new discussion posts on this call's proposals (issue 21); opt-out.
    discussion_digest = models.BooleanField(default=True)
    discussion_digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="reviewer_settings_once")
        ]


class Invitation(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Off: only the person signed in with the invited address may accept (issue 17).
    may_forward = models.BooleanField(default=False)
    # The role the link grants: reviewer, or mentor (issue 25: the same flow invites mentors).
    role = models.CharField(max_length=20, default="reviewer")


class Conflict(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="conflict_once")
        ]


class Assignment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField()
    # A chair placed this pair by hand: the engine keeps it (Hold.MANUAL) and never moves it.
    manual = models.BooleanField(default=False)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the engine (or a chair) placed this pair, shown to chairs: ["eager bid", "affinity 0.62"].
    reasons = models.JSONField(default=list, blank=True)
    # An extra review requested because the proposal's outcome is uncertain (issue 22).
    extra = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="assignment_once")
        ]
        indexes = [models.Index(fields=["reviewer", "proposal"])]


class ReviewPlan(models.Model):
    """How a call spends reviewer time beyond K reviews a proposal (issue 22): extra reviews
    for uncertain proposals, and the consistency experiment. No row = the defaults."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="review_plan")
    extra_reviews = models.BooleanField(default=True)
    # Reviews in all (regular and extra) a proposal may get; per pool in the experiment.
    extra_cap = models.PositiveSmallIntegerField(default=5)
    # The consistency experiment: the share of proposals sent to two disjoint pools (0 = off),
    # and the secret its pools are drawn from (reviews.domain.assignment.pools.pool_of).
    experiment_percent = models.PositiveSmallIntegerField(default=0)
    experiment_salt = models.CharField(max_length=64, blank=True)
    experiment_started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)


class DuplicatedProposal(models.Model):
    """A proposal in the consistency experiment: reviewed by both pools. Chairs only."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="duplicated")
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()


class BidLevel(models.TextChoices):
    """A reviewer's wish for one proposal (values match reviews.domain.assignment.Bid)."""

    EAGER = "eager", _("Eager")
    WILLING = "willing", _("Willing")
    NOT_FOR_ME = "not_for_me", _("Not for me")
    CONFLICT = "conflict", _("Conflict")


class Bid(models.Model):
    """One reviewer's bid on one proposal; no row = no bid. The assignment engine reads these."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="bids")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bids"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="bids")
    level = models.CharField(max_length=20, choices=BidLevel.choices)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "proposal"], name="bid_once"),
        ]
        indexes = [models.Index(fields=["call", "reviewer"])]


class ReviewerExpertise(models.Model):
    """What a reviewer knows, per call: the affinity's profile text (topics, statement, talks)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="expertise")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expertise"
    )
    # Comma-separated topics as the reviewer typed them ("django, accessibility, testing").
    topics = models.TextField(blank=True)
    statement = models.TextField(blank=True)
    # Past talk titles and abstracts a chair attached (or import_expertise loaded), plain text.
    past_talks = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "reviewer"], name="expertise_once"),
        ]


class Review(models.Model):
    """One reviewer's scores on one proposal: exactly one row per pair."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reviews")
    scores = models.JSONField(default=dict, blank=True)
    # The weighted score on the common 0..10 scale, kept so lists sort without recomputing.
    score = models.FloatField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text=_("Note for the committee."))
    feedback = models.TextField(blank=True, help_text=_("Feedback for the speaker."))
    abstained = models.BooleanField(default=False)
    abstain_reason = models.CharField(max_length=300, blank=True)
    proposal_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Issue 21: the first time this reviewer read the other reviews or the discussion of the
    # proposal, and their scores as they stood then (the last independent ones). A later change
    # of ``scores`` is a change made after reading others; aggregation may use these instead.
    seen_others_at = models.DateTimeField(null=True, blank=True)
    independent_scores = models.JSONField(null=True, blank=True)
    independent_score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="one_review_per_pair"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="confidence_one_to_five",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "updated_at"]),
            # Covers the chair dashboard's progress counts (scored reviews per proposal, current
            # reviews per assignment) so they read the index, not 50,000 table rows.
            models.Index(
                fields=["proposal", "reviewer", "abstained", "proposal_version"],
                name="review_progress_idx",
            ),
        ]


class RunState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AggregationRun(models.Model):
    """One aggregation of a call: the snapshot's key, state and failure reason."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="aggregation_runs")
    state = models.CharField(max_length=20, choices=RunState.choices, default=RunState.PENDING)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The newest review the snapshot saw: reviews newer than this make it stale.
    inputs_until = models.DateTimeField(null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    alpha = models.FloatField(null=True, blank=True)
    alpha_per_track = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # The dashboard's progress counts as the run read them (queries.dashboard.progress_counts); kept
    # on the two newest snapshots only, like their scores.
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # Saves in a burst coalesce into the one waiting run.
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(state="pending"),
                name="one_pending_run_per_call",
            )
        ]
        indexes = [models.Index(fields=["call", "state", "-finished_at"])]


class ProposalScore(models.Model):
    run = models.ForeignKey(AggregationRun, on_delete=models.CASCADE, related_name="scores")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    review_count = models.PositiveIntegerField(default=0)
    mean = models.FloatField(null=True)
    median = models.FloatField(null=True)
    weighted_total = models.FloatField(null=True)
    std = models.FloatField(null=True)
    spread = models.FloatField(null=True)
    calibrated = models.FloatField(null=True)
    low = models.FloatField(null=True)
    high = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)
    p_in_slots = models.FloatField(null=True)
    flags = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "proposal"], name="one_score_per_run")
        ]
        indexes = [models.Index(fields=["run", "rank"])]


class ReviewerScore(models.Model):
    run = models.ForeignKey(AggregationRun, on_delete=models.CASCADE, related_name="reviewers")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    review_count = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    mean_given = models.FloatField(null=True)
    offset = models.FloatField(null=True)
    offset_low = models.FloatField(null=True)
    offset_high = models.FloatField(null=True)


class DecisionStatus(models.TextChoices):
    UNDECIDED = "undecided", _("Undecided")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")


class Decision(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    status = models.CharField(
        max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.UNDECIDED
    )
    # Optimistic concurrency: a change names the version it saw.
    version = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)


class DepartureReason(models.TextChoices):
    """Why a decision departs from the calibrated order (required once identities are known)."""

    FIRST_TIME = "first_time", _("First-time speaker")
    TOPIC_BALANCE = "topic_balance", _("Topic balance")
    LANGUAGE_DIVERSITY = "language_diversity", _("Language diversity")
    SPEAKER_AVAILABILITY = "speaker_availability", _("Speaker availability")
    DUPLICATE_TOPIC = "duplicate_topic", _("Duplicate topic")
    OTHER = "other", _("Other (say why)")


class DecisionChange(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="decision_log")
    from_status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    to_status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    reason = models.CharField(max_length=40, blank=True, choices=DepartureReason.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField()
    # Facts at the moment of the change: the snapshot moves on, the record must not.
    rank = models.PositiveIntegerField(null=True, blank=True)
    departure = models.BooleanField(default=False)
    identities_known = models.BooleanField(default=False)


class DecisionTemplate(models.Model):
    """A call's e-mail for one outcome; placeholders are filled by reviews.domain.curation."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="decision_templates")
    status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    include_feedback = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "status"], name="one_template_per_outcome"),
            models.CheckConstraint(
                condition=Q(status__in=["accepted", "waitlisted", "rejected"]),
                name="template_for_a_sent_outcome",
            ),
        ]


class DraftState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DISCARDED = "discarded", _("Discarded")
    QUEUED = "queued", _("Queued")


class DecisionDraft(models.Model):
    """A decision e-mail chairs review before it leaves: generated, previewed, edited, discarded,
    then queued through the outbox per decision group (``reviews.services.outbox_review``).

    ``key`` is the outbox key the draft is queued under (``decision:<code>:<status>:<email>``),
    so a draft is never sent twice; ``outbox_id`` links the queued row (sent, failed, retried).
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="decision_drafts")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="drafts")
    status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    state = models.CharField(max_length=20, choices=DraftState.choices, default=DraftState.DRAFT)
    edited = models.BooleanField(default=False)
    outbox_id = models.IntegerField(null=True, blank=True)
    resends = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["call", "status", "state"], name="draft_group_idx")]


class FeedbackState(models.TextChoices):
    PENDING = "pending", _("Waiting for a chair")
    APPROVED = "approved", _("Approved")
    HIDDEN = "hidden", _("Hidden")


class FeedbackModeration(models.Model):
    """A chair's verdict on one review's feedback for the speaker. No row means pending: only
    approved feedback (``text``, the reviewer's words or a chair's edit) reaches a draft."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="moderation")
    state = models.CharField(
        max_length=20, choices=FeedbackState.choices, default=FeedbackState.PENDING
    )
    text = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)


class Tag(models.Model):
    """A chair's label for proposals ("keynote candidate"); reviewer_visible ones show in queues."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    reviewer_visible = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="tag_name_per_call")]


class ProposalTag(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "tag"], name="tag_once_per_proposal")
        ]
        indexes = [models.Index(fields=["tag", "proposal"])]


class Thread(models.Model):
    """A proposal's discussion among its reviewers and the chairs (issue 21)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="thread")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="threads")
    # None: opened automatically (reviewers disagree near the cut).
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=40, blank=True)
    opened_at = models.DateTimeField()


class Post(models.Model):
    """One post. ``body`` is what its author wrote (personal data of the author); ``shown`` is
    what other readers get, with person-like names held back."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_posts"
    )
    author_is_chair = models.BooleanField(default=False)
    body = models.TextField()
    shown = models.TextField()
    held_back = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["thread", "created_at"])]


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read")


class ApiToken(models.Model):
    """A chair's key to the read-only API of one call (issue 20, docs/api.md).

    The secret is shown once, when the token is made; only its SHA-256 is stored (a 32-byte
    random secret needs no slow hash), with the first characters kept to tell tokens apart.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
