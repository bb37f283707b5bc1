from django.urls import path

from kiemchung.insights import views, views_reach

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tin-bao/", views.dashboard, {"section": "tips"}, name="dashboard_tips"),
    path("ton-dong/", views.dashboard, {"section": "backlog"}, name="dashboard_backlog"),
    path("csv/<slug:key>/", views.figure_csv, name="csv"),
    path("cong-khai/", views.public_switch, name="public_switch"),
    path("cong-khai/<slug:slug>/", views.public_page, name="public"),
    path("tiep-can/", views_reach.reach, name="reach"),
    path("tiep-can/nhap/", views_reach.reach_upload, name="reach_upload"),
    path("tiep-can/nhap/cot/", views_reach.reach_map, name="reach_map"),
    path("tiep-can/nhap/<int:pk>/", views_reach.reach_import_detail, name="reach_import"),
]
