from django.urls import path

from kiemchung.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("them/", views.endpoint_new, name="endpoint_new"),
    path("<int:pk>/", views.endpoint, name="endpoint"),
    path("<int:pk>/nhat-ky/", views.endpoint_log, name="endpoint_log"),
    path("<int:pk>/thu/", views.endpoint_test, name="endpoint_test"),
    path("<int:pk>/ma-bi-mat/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:pk>/bat-tat/", views.endpoint_switch, name="endpoint_switch"),
    path("<int:pk>/gui-lai/", views.endpoint_resend, name="endpoint_resend"),
    path("<int:pk>/xoa/", views.endpoint_delete, name="endpoint_delete"),
]
