from django.urls import path

from kiemchung.tipline import views_channels

app_name = "tipline_channels"

urlpatterns = [
    path("", views_channels.channels, name="channels"),
    path("<str:kind>/", views_channels.channel, name="channel"),
    path("<str:kind>/bat-tat/", views_channels.channel_switch, name="channel_switch"),
    path("<str:kind>/thu/", views_channels.channel_check, name="channel_check"),
]
