from django.contrib import admin

from kiemchung.webhooks.models import Endpoint, WebhookDelivery


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "workspace", "is_active", "consecutive_failures", "created_at")
    list_filter = ("is_active",)
    # The secret is never shown here: it is shown once on the newsroom's screen.
    exclude = ("secret_enc",)
    readonly_fields = ("consecutive_failures", "last_success_at", "last_failure_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "endpoint", "status", "status_code", "attempts", "created_at")
    list_filter = ("status",)
    readonly_fields = tuple(f.name for f in WebhookDelivery._meta.fields)
