from django.db import migrations, models

# The default scale's labels and what each means (claims.models.DEFAULT_RATING_TONES), in
# Vietnamese and in English.
TONES_BY_LABEL = {
    "Đúng": "true",
    "True": "true",
    "Gần đúng": "mostly_true",
    "Mostly true": "mostly_true",
    "Gây hiểu lầm": "misleading",
    "Misleading": "misleading",
    "Sai": "false",
    "False": "false",
    "Chưa đủ căn cứ": "unproven",
    "Unproven": "unproven",
}
# A renamed step takes its meaning from where it stands, most accurate first.
TONES_BY_RANK = ("true", "mostly_true", "misleading", "false")


def tones_from_labels_and_order(apps, schema_editor):
    Rating = apps.get_model("claims", "Rating")
    by_workspace = {}
    for rating in Rating.objects.order_by("workspace_id", "position", "id"):
        by_workspace.setdefault(rating.workspace_id, []).append(rating)
    for steps in by_workspace.values():
        count = len(steps)
        for index, rating in enumerate(steps):
            tone = TONES_BY_LABEL.get(rating.label.strip())
            if tone is None:
                rank = index / (count - 1) if count > 1 else 0.0
                tone = TONES_BY_RANK[min(len(TONES_BY_RANK) - 1, int(rank * len(TONES_BY_RANK)))]
            rating.tone = tone
            rating.save(update_fields=["tone"])


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_appearance_wording"),
    ]

    operations = [
        migrations.AddField(
            model_name="rating",
            name="tone",
            field=models.CharField(
                choices=[
                    ("true", "Đúng (xanh lá)"),
                    ("mostly_true", "Gần đúng (xanh ô liu)"),
                    ("misleading", "Gây hiểu lầm (vàng hổ phách)"),
                    ("false", "Sai (cam đỏ)"),
                    ("unproven", "Chưa kết luận được (xanh lam, ngoài thang điểm)"),
                ],
                default="unproven",
                max_length=12,
                verbose_name="ý nghĩa",
            ),
        ),
        migrations.RunPython(tones_from_labels_and_order, migrations.RunPython.noop),
    ]
