# Issue 22: extra reviews for uncertain proposals, and the consistency experiment.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cfp", "0012_languages"),
        ("reviews", "0011_committee"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="extra",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="DuplicatedProposal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField()),
                (
                    "call",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicated",
                        to="cfp.call",
                    ),
                ),
                (
                    "proposal",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cfp.proposal",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ReviewPlan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("extra_reviews", models.BooleanField(default=True)),
                ("extra_cap", models.PositiveSmallIntegerField(default=5)),
                ("experiment_percent", models.PositiveSmallIntegerField(default=0)),
                ("experiment_salt", models.CharField(blank=True, max_length=64)),
                ("experiment_started_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "call",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_plan",
                        to="cfp.call",
                    ),
                ),
            ],
        ),
    ]
