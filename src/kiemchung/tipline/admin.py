"""Admin for the tipline's configuration. Tips, messages and senders are not listed here: their
content is read through the audited staff pages only."""

from django.contrib import admin

from kiemchung.tipline.models import AuthorityUnit, Channel, LegalAnswer, ReplyTemplate


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "workspace", "is_active", "rejected_requests")
    list_filter = ("kind", "is_active")
    readonly_fields = ("public_id", "rejected_requests", "last_rejected_at")
    # Secrets are set with `kiemchung tipline_channel`, never shown.
    exclude = ("credentials_enc",)


@admin.register(AuthorityUnit)
class AuthorityUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "workspace", "is_active")


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "workspace", "is_active")


@admin.register(LegalAnswer)
class LegalAnswerAdmin(admin.ModelAdmin):
    list_display = ("question", "source", "workspace", "is_published")
