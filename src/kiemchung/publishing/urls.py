from django.urls import path

from kiemchung.publishing import views

app_name = "publishing"
urlpatterns = [
    path("<slug:workspace_slug>/", views.workspace_index, name="workspace_index"),
    path("<slug:workspace_slug>/<int:pk>/", views.factcheck_short, name="factcheck_short"),
    path(
        "<slug:workspace_slug>/<int:pk>/<str:slug>/",
        views.factcheck_detail,
        name="factcheck_detail",
    ),
    path(
        "<slug:workspace_slug>/<int:pk>/sources/<int:evidence_pk>/archive/",
        views.source_archive,
        name="source_archive",
    ),
]
