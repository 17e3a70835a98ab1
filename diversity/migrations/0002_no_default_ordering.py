from django.db import migrations


class Migration(migrations.Migration):
    """Reads order explicitly; the models keep no default ordering."""

    dependencies = [
        ("diversity", "0001_self_identification_and_reports"),
    ]

    operations = [
        migrations.AlterModelOptions(name="question", options={}),
        migrations.AlterModelOptions(name="reportsnapshot", options={}),
        migrations.AlterModelOptions(name="target", options={}),
    ]
