# Issue 24: the interface language a person chose, and calls written in several languages.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cfp", "0011_speaker_confirmation"),
    ]

    operations = [
        migrations.AddField(
            model_name="personsettings",
            name="language",
            field=models.CharField(blank=True, default="", max_length=10),
        ),
        migrations.AddField(
            model_name="call",
            name="main_language",
            field=models.CharField(default="en", max_length=10),
        ),
        migrations.AddField(
            model_name="call",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="criterion",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="question",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
