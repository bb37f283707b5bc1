from django.urls import path

from kiemchung.tipline import views, views_public, webhooks

app_name = "tipline"

urlpatterns = [
    path("hooks/telegram/<str:public_id>/", webhooks.telegram, name="hook_telegram"),
    path("hooks/zalo/<str:public_id>/", webhooks.zalo, name="hook_zalo"),
    path("hooks/messenger/<str:public_id>/", webhooks.messenger, name="hook_messenger"),
    path("gui/<slug:workspace_slug>/", views_public.tip_form, name="form"),
    path("gui/<slug:workspace_slug>/trang-thai/", views_public.tip_status, name="status"),
    path("gui/<slug:workspace_slug>/xoa/", views_public.tip_delete, name="delete"),
    path("gui/<slug:workspace_slug>/rieng-tu/", views_public.privacy_page, name="privacy"),
    path("hoi-thoai/<int:conversation_id>/", views.conversation, name="conversation"),
    path(
        "hoi-thoai/<int:conversation_id>/tiep-quan/", views.take_over, name="take_over"
    ),
    path("hoi-thoai/<int:conversation_id>/tra-bot/", views.release, name="release"),
    path("hoi-thoai/<int:conversation_id>/tra-loi/", views.reply, name="reply"),
]
