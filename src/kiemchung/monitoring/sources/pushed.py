"""Sources that are not fetched: file imports and the tipline push their items in."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kiemchung.monitoring.models import Source
from kiemchung.monitoring.sources.base import Adapter, Harvest, SourceError


class PushedSource(Adapter):
    fetched = False

    def harvest(self, source: Source) -> Harvest:
        raise SourceError(_("Nguồn này không lấy tin tự động"), retryable=False)


class ImportSource(PushedSource):
    """Items come from files imported by members (importers.py)."""


class TiplineSource(PushedSource):
    """Items come from tips, through `services.item_ingest`."""
