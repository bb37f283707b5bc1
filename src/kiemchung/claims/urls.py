from django.urls import path

from kiemchung.claims import views, views_evidence, views_matching, views_verdict

app_name = "claims"
urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("all/", views.claim_list, name="list"),
    path("new/", views.claim_create, name="create"),
    path("ratings/", views.ratings_edit, name="ratings"),
    path("already-checked/", views_matching.already_checked, name="already_checked"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/edit/", views.claim_edit, name="edit"),
    path("<int:pk>/assign/", views.claim_assign, name="assign"),
    path("<int:pk>/start/", views.claim_start, name="start"),
    path("<int:pk>/dismiss/", views.claim_dismiss, name="dismiss"),
    path("<int:pk>/reopen/", views.claim_reopen, name="reopen"),
    path("<int:pk>/delete/", views.claim_delete, name="delete"),
    path("<int:pk>/merge/", views_matching.claim_merge, name="merge"),
    path("<int:pk>/appearances/", views.appearance_add, name="appearance_add"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/evidence/", views_evidence.evidence_add, name="evidence_add"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/remove/",
        views_evidence.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/rearchive/",
        views_evidence.evidence_rearchive,
        name="evidence_rearchive",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/snapshot/",
        views_evidence.evidence_snapshot,
        name="evidence_snapshot",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/document/",
        views_evidence.evidence_document,
        name="evidence_document",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/image/",
        views_evidence.evidence_image,
        name="evidence_image",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/image-text/",
        views_evidence.evidence_image_text,
        name="evidence_image_text",
    ),
    path("<int:pk>/verdict/", views_verdict.verdict_save, name="verdict_save"),
    path("<int:pk>/verdict/submit/", views_verdict.verdict_submit, name="verdict_submit"),
    path("<int:pk>/verdict/review/", views_verdict.verdict_review, name="verdict_review"),
    path("<int:pk>/verdict/publish/", views_verdict.verdict_publish, name="verdict_publish"),
    path("<int:pk>/verdict/correct/", views_verdict.verdict_correct, name="verdict_correct"),
    path(
        "<int:pk>/verdict/corrections/<int:proposal_pk>/review/",
        views_verdict.correction_review,
        name="correction_review",
    ),
]
