from django.urls import path

from kiemchung.publishing import views_reader

app_name = "reader"
_team = "<slug:workspace_slug>/"
urlpatterns = [
    path(f"{_team}<int:pk>/card/<str:size>.png", views_reader.factcheck_card, name="card"),
    path(f"{_team}newsletter/", views_reader.newsletter_subscribe, name="newsletter_subscribe"),
    path(
        f"{_team}newsletter/confirm/<str:token>/",
        views_reader.newsletter_confirm,
        name="newsletter_confirm",
    ),
    path(
        f"{_team}newsletter/unsubscribe/<str:token>/",
        views_reader.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
]
