# Issue 21: when reviewers read each other's reviews, and whether aggregation keeps to the
# first independent scores. Written by hand: only this feature's operations.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cfp", "0012_languages"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="independent_scores",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="call",
            name="others_reviews",
            field=models.CharField(
                choices=[
                    ("never", "Never"),
                    ("after_own", "After their own review"),
                    ("after_phase", "After the review phase"),
                ],
                default="after_own",
                max_length=20,
            ),
        ),
    ]
