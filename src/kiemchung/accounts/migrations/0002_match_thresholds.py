import django.core.validators
from django.db import migrations, models

SCORE = [
    django.core.validators.MinValueValidator(0.0),
    django.core.validators.MaxValueValidator(1.0),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspace",
            name="match_suggest_threshold",
            field=models.FloatField(
                blank=True,
                null=True,
                validators=SCORE,
                verbose_name="ngưỡng gợi ý nhận định trùng",
                help_text=(
                    "Từ 0 đến 1. Kết quả có điểm từ mức này trở lên được gợi ý là có thể trùng. "
                    "Để trống để dùng mức mặc định đã hiệu chỉnh."
                ),
            ),
        ),
        migrations.AddField(
            model_name="workspace",
            name="match_auto_threshold",
            field=models.FloatField(
                blank=True,
                null=True,
                validators=SCORE,
                verbose_name="ngưỡng tự động coi là trùng",
                help_text=(
                    "Từ 0 đến 1, không thấp hơn ngưỡng gợi ý. Kết quả có điểm từ mức này trở "
                    "lên được coi là gần như chắc chắn cùng một nhận định. Để trống để dùng mức "
                    "mặc định đã hiệu chỉnh."
                ),
            ),
        ),
    ]
