from django.urls import path

from kiemchung.publishing import views_imports, views_outlets

app_name = "outlets"
urlpatterns = [
    path("outlets/", views_outlets.outlet_list, name="list"),
    path("outlets/new/<str:kind>/", views_outlets.outlet_create, name="create"),
    path("outlets/<int:pk>/", views_outlets.outlet_edit, name="edit"),
    path("outlets/<int:pk>/delete/", views_outlets.outlet_delete, name="delete"),
    path("factchecks/<int:pk>/outlets/", views_outlets.factcheck_outlets, name="panel"),
    path("factchecks/<int:pk>/announce/", views_outlets.factcheck_announce, name="announce"),
    path("deliveries/<int:pk>/resend/", views_outlets.delivery_resend, name="resend"),
    path("claimreview/", views_imports.source_list, name="claimreview_sources"),
    path("claimreview/add/", views_imports.source_add, name="claimreview_add"),
    path("claimreview/upload/", views_imports.source_upload, name="claimreview_upload"),
    path("claimreview/<int:pk>/", views_imports.source_detail, name="claimreview_source"),
    path(
        "claimreview/<int:pk>/refresh/", views_imports.source_refresh, name="claimreview_refresh"
    ),
    path("claimreview/<int:pk>/toggle/", views_imports.source_toggle, name="claimreview_toggle"),
    path("claimreview/<int:pk>/delete/", views_imports.source_delete, name="claimreview_delete"),
]
