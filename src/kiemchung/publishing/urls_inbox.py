from django.urls import path

from kiemchung.publishing import views_inbox

app_name = "publishing_inbox"
urlpatterns = [
    path("", views_inbox.inbox, name="inbox"),
    path("<int:pk>/handle/", views_inbox.inbox_handle, name="handle"),
]
