from django.urls import path

from kiemchung.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.triage_queue, name="queue"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<int:pk>/", views.source_action, name="source_action"),
    path("paste/", views.paste, name="paste"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/map/", views.import_map, name="import_map"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
]
