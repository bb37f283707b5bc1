from django.contrib import admin
from django.urls import include, path

from kiemchung.api import api_v1, legacy_urls, v1_not_found
from kiemchung.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("ngon-ngu/<str:code>/", core_views.language_switch, name="language_switch"),
    path("accounts/", include("kiemchung.accounts.urls")),
    path("claims/", include("kiemchung.claims.urls")),
    path("monitoring/", include("kiemchung.monitoring.urls")),
    path("audit/", include("kiemchung.audit.urls")),
    path("p/", include("kiemchung.publishing.urls")),
    path("inbox/", include("kiemchung.publishing.urls_inbox")),
    path("tin/", include("kiemchung.tipline.urls")),
    path("tips/kenh/", include("kiemchung.tipline.urls_channels")),
    path("tips/", include("kiemchung.tipline.urls_staff")),
    path("webhooks/", include("kiemchung.webhooks.urls")),
    path("p/", include("kiemchung.publishing.urls_reader")),
    path("newsroom/", include("kiemchung.publishing.urls_newsroom")),
    path("so-lieu/", include("kiemchung.insights.urls")),
    path("api/v1/", api_v1.urls),
    path("api/v1/<path:rest>", v1_not_found, name="api-v1-not-found"),
    path("api/", legacy_urls()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler403 = "kiemchung.core.views.permission_denied"
handler404 = "kiemchung.core.views.page_not_found"
