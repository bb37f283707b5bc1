from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_search_slug_versions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="appearance",
            options={"ordering": [models.OrderBy(models.F("seen_at"), nulls_first=True), "id"]},
        ),
    ]
