from django.conf import settings
from django.db import migrations, models

from kiemchung.text.normalize import fold


def fill_text_folded(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    for claim in Claim.objects.only("id", "text").iterator():
        Claim.objects.filter(pk=claim.pk).update(text_folded=fold(claim.text))


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="text_folded",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_text_folded, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="factcheckversion",
            name="reason",
            field=models.CharField(
                choices=[
                    ("submitted", "Gửi duyệt"),
                    ("published", "Công bố"),
                    ("corrected", "Đính chính"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddConstraint(
            model_name="factcheck",
            constraint=models.UniqueConstraint(
                condition=models.Q(("slug", ""), _negated=True),
                fields=("slug",),
                name="factcheck_slug_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="factcheckversion",
            constraint=models.UniqueConstraint(
                fields=("factcheck", "number"), name="factcheck_version_number_unique"
            ),
        ),
    ]
