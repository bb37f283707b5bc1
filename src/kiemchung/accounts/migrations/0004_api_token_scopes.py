from django.db import migrations, models


def legacy_scopes(apps, schema_editor):
    # Tokens made before scopes existed could read and write through the API; they keep that.
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.all().update(scopes=["read", "write"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_auto_answers"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="phạm vi"),
        ),
        migrations.RunPython(legacy_scopes, migrations.RunPython.noop),
    ]
