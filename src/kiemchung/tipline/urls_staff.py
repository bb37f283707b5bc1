from django.urls import path

from kiemchung.tipline import views_images, views_staff, views_staff_settings

app_name = "tipline_staff"

urlpatterns = [
    path("", views_staff.inbox, name="inbox"),
    path("moi/", views_staff.new_badge, name="badge"),
    path("<int:tip_id>/", views_staff.tip_detail, name="tip"),
    path("<int:tip_id>/anh/<int:media_id>/", views_staff.tip_media, name="media"),
    path(
        "<int:tip_id>/anh/<int:media_id>/chu/", views_images.tip_image_text, name="image_text"
    ),
    path("<int:tip_id>/gan/", views_staff.tip_attach, name="attach"),
    path("<int:tip_id>/tao-nhan-dinh/", views_staff.tip_claim_create, name="claim_create"),
    path("<int:tip_id>/tra-loi/", views_staff.tip_reply, name="reply"),
    path("<int:tip_id>/chuyen/", views_staff.tip_forward, name="forward"),
    path("<int:tip_id>/dong/", views_staff.tip_close, name="close"),
    path("<int:tip_id>/mo-lai/", views_staff.tip_reopen, name="reopen"),
    path("<int:tip_id>/tra-loi-tu-dong/", views_staff.tip_auto_answer, name="auto_answer"),
    path("<int:tip_id>/chan/", views_staff.tip_sender_block, name="sender_block"),
    path("<int:tip_id>/bo-chan/", views_staff.tip_sender_unblock, name="sender_unblock"),
    path("mau-tra-loi/", views_staff_settings.reply_templates, name="templates"),
    path("mau-tra-loi/<int:pk>/", views_staff_settings.reply_templates, name="template_edit"),
    path(
        "mau-tra-loi/<int:pk>/xoa/",
        views_staff_settings.reply_template_delete,
        name="template_delete",
    ),
    path("phap-luat/", views_staff_settings.legal_answers, name="legal"),
    path("phap-luat/<int:pk>/", views_staff_settings.legal_answers, name="legal_edit"),
    path("phap-luat/<int:pk>/xoa/", views_staff_settings.legal_answer_delete, name="legal_delete"),
    path("co-quan/", views_staff_settings.authority_units, name="authorities"),
    path("co-quan/<int:pk>/", views_staff_settings.authority_units, name="authority_edit"),
]
