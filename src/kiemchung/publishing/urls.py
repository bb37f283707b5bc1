from django.urls import path

from kiemchung.publishing import views

app_name = "publishing"

_team = "<slug:workspace_slug>/"
urlpatterns = [
    path(_team, views.workspace_index, name="workspace_index"),
    path(f"{_team}page/<int:number>/", views.workspace_index, name="workspace_page"),
    path(f"{_team}topics/", views.topics, name="topics"),
    path(f"{_team}topics/<slug:topic>/", views.topic, name="topic"),
    path(f"{_team}topics/<slug:topic>/page/<int:number>/", views.topic, name="topic_page"),
    path(f"{_team}search/", views.search, name="search"),
    path(f"{_team}methodology/", views.methodology, name="methodology"),
    path(f"{_team}corrections/", views.corrections, name="corrections"),
    path(
        f"{_team}corrections/page/<int:number>/", views.corrections, name="corrections_page"
    ),
    path(f"{_team}team/", views.team, name="team"),
    path(f"{_team}contact/", views.contact, name="contact"),
    path(f"{_team}contact/sent/", views.contact_sent, name="contact_sent"),
    path(f"{_team}rss.xml", views.rss, name="rss"),
    path(f"{_team}atom.xml", views.atom, name="atom"),
    path(f"{_team}claimreview.json", views.claimreview_feed, name="claimreview_feed"),
    path(f"{_team}sitemap.xml", views.sitemap, name="sitemap"),
    path(f"{_team}<int:pk>/", views.factcheck_short, name="factcheck_short"),
    path(f"{_team}<int:pk>/<str:slug>/", views.factcheck_detail, name="factcheck_detail"),
    path(
        f"{_team}<int:pk>/sources/<int:evidence_pk>/archive/",
        views.source_archive,
        name="source_archive",
    ),
]
