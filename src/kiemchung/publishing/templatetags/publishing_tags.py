"""Template filters shared by the newsroom and the public site."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from kiemchung.accounts.models import Workspace
from kiemchung.publishing.markup import render_markdown
from kiemchung.tipline import selectors as tipline_selectors
from kiemchung.tipline.models import ChannelKind

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """`{{ factcheck.body|markdown }}`: Markdown rendered and sanitised."""
    return render_markdown(text or "")


@register.simple_tag
def tip_links(team: Workspace) -> dict[str, str] | None:
    """`{% tip_links team as tips %}`: the team's tip form and the page on what each platform
    can see, or None while the team has no web form open. Called once per page, by
    base_public.html: its pages use the `tips` it sets."""
    channels = tipline_selectors.public_channels(workspace=team)
    if not channels.filter(kind=ChannelKind.WEB).exists():
        return None
    # By URL name: the public site does not import the tipline's views or URLs.
    kwargs = {"workspace_slug": team.slug}
    return {
        "form": reverse("tipline:form", kwargs=kwargs),
        "privacy": reverse("tipline:privacy", kwargs=kwargs),
    }
