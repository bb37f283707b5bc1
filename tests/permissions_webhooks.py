"""The webhooks screen in the permission table of tests/test_permissions_views.py: registering
an endpoint, reading its page and sending a test event are workspace settings
(`manage_workspace`)."""

from __future__ import annotations

from typing import Any

from kiemchung.accounts.permissions import Action
from kiemchung.webhooks import services
from kiemchung.webhooks.models import Endpoint, WebhookDelivery
from permissions_table import ViewCase, nothing, object_url, page_url

HOOK_URL = "http://127.0.0.1:9/hook"


def _endpoint(team: Any) -> Endpoint:
    endpoint, _secret = services.endpoint_create(
        workspace=team.workspace, actor=team.admin, url=HOOK_URL, kinds=["claim.created"],
        description="Công cụ của toà soạn",
    )
    return endpoint


def _our_endpoints(team: Any, _: Any) -> list[str]:
    return sorted(Endpoint.objects.filter(workspace=team.workspace).values_list("url", flat=True))


def _deliveries(team: Any, endpoint: Endpoint) -> int:
    return WebhookDelivery.objects.filter(endpoint=endpoint).count()


WEBHOOK_VIEW_CASES: dict[Action, dict[str, Any]] = {
    Action.MANAGE_WORKSPACE: {
        "webhooks:endpoint_new": ViewCase(
            nothing,
            page_url("webhooks:endpoint_new"),
            lambda team, _: {"url": HOOK_URL, "kinds": ["claim.created"], "description": ""},
            _our_endpoints,
            lambda team, _, user, before: sorted([*before, HOOK_URL]),
            names_an_object=False,
        ),
        "webhooks:endpoint-page": ViewCase(
            _endpoint,
            object_url("webhooks:endpoint"),
            None,
            _deliveries,
            lambda team, subject, user, before: before,
            shows_ours=lambda team, html: "Công cụ của toà soạn" in html,
        ),
        "webhooks:endpoint_test": ViewCase(
            _endpoint,
            object_url("webhooks:endpoint_test"),
            lambda team, _: {},
            _deliveries,
            lambda team, subject, user, before: before + 1,
        ),
    },
}
