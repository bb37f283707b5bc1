from django.db import migrations, models

# What `tipline.services_staff.tip_attach` wrote as the platform of a tip's appearance, in
# Vietnamese and in English: its text is a note about the tip (its code and channel, or a staff
# note), never the claim's wording.
TIP_PLATFORMS = ("Tin báo", "Tips")


def tip_notes_are_not_wordings(apps, schema_editor):
    Appearance = apps.get_model("claims", "Appearance")
    Appearance.objects.filter(platform__in=TIP_PLATFORMS).update(wording=False)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0004_merge_and_match_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="appearance",
            name="wording",
            field=models.BooleanField(default=True, verbose_name="là cách diễn đạt của nhận định"),
        ),
        migrations.RunPython(tip_notes_are_not_wordings, migrations.RunPython.noop),
    ]
