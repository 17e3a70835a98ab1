"""Store the HTML reviewers read with each proposal's redaction, and fill it for existing rows."""

from typing import Any

from django.db import migrations, models

BATCH = 500


def fill(apps: Any, schema_editor: Any) -> None:
    # The rendering rule is plain Python (no model state), so the migration may call it; a
    # proposal it misses, or one of an older format later, is rendered when shown instead.
    from cfp.domain import shown_html

    Proposal = apps.get_model("cfp", "Proposal")
    rows = Proposal.objects.filter(shown_html__isnull=True).only("pk", "redacted").order_by("pk")
    batch = []
    for proposal in rows.iterator(chunk_size=BATCH):
        proposal.shown_html = shown_html.render(texts=proposal.redacted or {})
        batch.append(proposal)
        if len(batch) >= BATCH:
            Proposal.objects.bulk_update(batch, ["shown_html"])
            batch = []
    if batch:
        Proposal.objects.bulk_update(batch, ["shown_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("cfp", "0008_no_default_ordering"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="shown_html",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
