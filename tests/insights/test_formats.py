"""Durations on the dashboard are written with the reader's decimal separator."""

from __future__ import annotations

from django.utils import translation

from kiemchung.insights.figures import hours_label


def test_durations_use_the_readers_decimal_separator():
    with translation.override("vi"):
        assert hours_label(1.5) == "1,5 giờ"
    with translation.override("en"):
        assert hours_label(1.5) == "1.5 hours"
        assert hours_label(72) == "3.0 days"
