"""Claims in the Django admin, for looking things up; the newsroom pages and services do the work.

Verdict and history rows are read-only here: changing them outside the services would skip the
two-person rule and the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kiemchung.claims.models import (
    Appearance,
    Claim,
    Comment,
    Correction,
    Evidence,
    FactCheck,
    FactCheckVersion,
    Rating,
    Review,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppearanceInline(ReadOnlyInline):
    model = Appearance
    fields = ("url", "platform", "seen_at", "added_by")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("kind", "title", "url", "archive_status", "added_by")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("text", "workspace", "state", "topic", "assignee", "updated_at")
    list_filter = ("state", "workspace")
    search_fields = ("text", "text_folded", "topic")
    inlines = [AppearanceInline, EvidenceInline]


class VersionInline(ReadOnlyInline):
    model = FactCheckVersion
    fields = ("number", "reason", "rating_label", "title", "saved_by", "saved_at")
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ("version", "decision", "reviewer", "comment", "created_at")
    readonly_fields = fields


class CorrectionInline(ReadOnlyInline):
    model = Correction
    fields = ("from_version", "to_version", "note", "author", "created_at")
    readonly_fields = fields


@admin.register(FactCheck)
class FactCheckAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "state", "rating", "author", "reviewer", "published_at")
    list_filter = ("state",)
    search_fields = ("title", "summary", "slug")
    inlines = [VersionInline, ReviewInline, CorrectionInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("label", "workspace", "position", "is_active")
    list_filter = ("workspace", "is_active")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "claim", "author", "created_at")
