# Issue 21: independence of scores, digest opt-out, tags, discussion threads, and the
# full-text index over the redacted title and abstract (PostgreSQL only). Written by hand.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FTS_INDEX = "proposal_redacted_fts"
FTS_CREATE = (
    f"CREATE INDEX IF NOT EXISTS {FTS_INDEX} ON cfp_proposal USING GIN ("
    "to_tsvector('simple', coalesce(redacted->>'title', '') || ' ' || "
    "coalesce(redacted->>'abstract', '')))"
)


def create_fts_index(apps, schema_editor):
    # SQLite has no GIN index: the search falls back to icontains over the same text.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FTS_CREATE)


def drop_fts_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {FTS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cfp", "0013_committee"),
        ("reviews", "0010_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_fts_index, drop_fts_index),
        migrations.AddField(
            model_name="review",
            name="independent_score",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="independent_scores",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="seen_others_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reviewersettings",
            name="discussion_digest",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="reviewersettings",
            name="discussion_digest_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                ("reviewer_visible", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField()),
                (
                    "call",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="cfp.call",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ProposalTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tag_links",
                        to="cfp.proposal",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="reviews.tag",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Thread",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=40)),
                ("opened_at", models.DateTimeField()),
                (
                    "call",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="threads",
                        to="cfp.call",
                    ),
                ),
                (
                    "opened_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "proposal",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="thread",
                        to="cfp.proposal",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Post",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("author_is_chair", models.BooleanField(default=False)),
                ("body", models.TextField()),
                ("shown", models.TextField()),
                ("held_back", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField()),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="discussion_posts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "thread",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="posts",
                        to="reviews.thread",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("call", "name"), name="tag_name_per_call"),
        ),
        migrations.AddIndex(
            model_name="proposaltag",
            index=models.Index(fields=["tag", "proposal"], name="reviews_pro_tag_id_7c0928_idx"),
        ),
        migrations.AddConstraint(
            model_name="proposaltag",
            constraint=models.UniqueConstraint(
                fields=("proposal", "tag"), name="tag_once_per_proposal"
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["thread", "created_at"], name="reviews_pos_thread__8b24ca_idx"
            ),
        ),
    ]
