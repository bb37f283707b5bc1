"""Durations on the dashboard are written with the reader's decimal separator."""

from __future__ import annotations

from django.utils import translation

from kiemchung.insights.selectors import _hours


def test_durations_use_the_readers_decimal_separator():
    with translation.override("vi"):
        assert _hours(1.5) == "1,5 giờ"
    with translation.override("en"):
        assert _hours(1.5) == "1.5 hours"
        assert _hours(72) == "3.0 days"
