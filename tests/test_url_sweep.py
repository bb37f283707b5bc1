"""Every door of the URLconf, knocked on: each URL pattern, its parameters filled with real
objects of the team's workspace, is opened (GET) by an anonymous visitor and by each role.

Each URL must be classified below; a new view fails this test until it is. The answers are
checked against that class and, for the newsroom's pages that act, against the permission
matrix itself (through the cases of tests/test_permissions_views.py and
tests/permissions_tipline.py): no server error for anyone, no staff page for an anonymous
visitor, nothing of our workspace for the outsider, no page for a role MATRIX refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from claim_stories import verdict_published
from kiemchung.accounts.permissions import MATRIX, Action
from permissions_table import ROLES, user_for
from permissions_tipline import TIPLINE_VIEW_CASES
from test_permissions_views import VIEW_CASES

pytestmark = pytest.mark.usefixtures("media_root")

PUBLIC = "public"  # anyone, no login
LOGIN = "login"  # the login pages themselves
ACCOUNT = "account"  # any logged-in person: their own security settings, the switcher
MEMBER = "member"  # any member of the workspace; an Action where the matrix says more
HOOK = "hook"  # a platform's webhook: never a page for a browser
API = "api"  # token-authenticated JSON
OPERATOR = "operator"  # the server admin, for staff users only

# URL name (or namespace, for a whole namespace) -> who may open it.
CLASSES: dict[str, Any] = {
    "home": PUBLIC,
    "favicon": PUBLIC,
    "language_switch": PUBLIC,
    "set_language": PUBLIC,
    "accounts:login": LOGIN,
    "accounts:login_totp": LOGIN,
    "accounts:logout": ACCOUNT,
    "accounts:security": ACCOUNT,
    "accounts:totp_setup": ACCOUNT,
    "accounts:totp_disable": ACCOUNT,
    "accounts:password_change": ACCOUNT,
    "accounts:token_create": ACCOUNT,
    "accounts:token_revoke": ACCOUNT,
    "accounts:switch_workspace": ACCOUNT,
    "accounts:workspace_settings": Action.MANAGE_WORKSPACE,
    "accounts:members": Action.MANAGE_MEMBERS,
    "claims:my_work": MEMBER,
    "claims:list": MEMBER,
    "claims:detail": MEMBER,
    "claims:already_checked": MEMBER,
    "claims:evidence_snapshot": MEMBER,
    "claims:evidence_document": MEMBER,
    "claims:evidence_image": MEMBER,
    # Everyone reads the scale; only admins change it (proven by its POST case).
    "claims:ratings": MEMBER,
    "claims:merge": Action.EDIT,
    "monitoring:queue": MEMBER,
    "monitoring:sources": MEMBER,
    "monitoring:import_detail": MEMBER,
    "monitoring:import_map": Action.EDIT,
    "monitoring:import_new": Action.EDIT,
    "monitoring:paste": Action.EDIT,
    "monitoring:source_action": Action.EDIT,
    "audit:list": Action.VIEW_AUDIT,
    "publishing": PUBLIC,
    "reader": PUBLIC,
    "publishing_inbox:inbox": Action.CORRECT,
    "publishing_inbox:handle": Action.CORRECT,
    # The claim page shows every member where a fact-check was announced.
    "outlets:panel": MEMBER,
    "outlets": Action.MANAGE_WORKSPACE,
    "tipline:hook_telegram": HOOK,
    "tipline:hook_zalo": HOOK,
    "tipline:hook_messenger": HOOK,
    "tipline:form": PUBLIC,
    "tipline:status": PUBLIC,
    "tipline:delete": PUBLIC,
    "tipline:privacy": PUBLIC,
    "tipline_staff:badge": MEMBER,
    "tipline_staff:image_text": Action.HANDLE_TIPS,
    "tipline_staff:template_edit": Action.HANDLE_TIPS,
    "tipline_staff:legal_edit": Action.REVIEW,
    "tipline_staff:authority_edit": Action.MANAGE_WORKSPACE,
    "webhooks": Action.MANAGE_WORKSPACE,
    "insights:public": PUBLIC,
    "insights:reach_upload": Action.EDIT,
    "insights:reach_map": Action.EDIT,
    "insights": MEMBER,
    "api-v1": API,
    "api-v1-not-found": API,  # a 404 in the API's format for an address no operation has
    "api": API,
    "admin": OPERATOR,
}
# Read-only pages of an API that anyone may read: its description.
API_PUBLIC = {"openapi-json", "openapi-view", "api-root"}


def _action_of_cases() -> dict[str, Action]:
    """URL name -> the Action the permission tests prove it by ("<name>-<what>" included)."""
    found: dict[str, Action] = {}
    reads: dict[str, Action] = {}
    for table in (VIEW_CASES, TIPLINE_VIEW_CASES):
        for action, named in table.items():
            for name, case in named.items():
                url_name = name.split("-", 1)[0]
                found.setdefault(url_name, action)
                if case.form is None:  # the case that opens the page, as this test does
                    reads[url_name] = action
    return {**found, **reads}


def _patterns(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{ns}:{pattern.namespace}" if ns and pattern.namespace else (
                pattern.namespace or ns
            )
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{ns}:{pattern.name}" if ns else (pattern.name or "")
            yield prefix + str(pattern.pattern), name


def all_urls() -> list[tuple[str, str]]:
    return list(_patterns(get_resolver().url_patterns))


def class_of(name: str, actions: dict[str, Action]) -> Any:
    if name in CLASSES:
        return CLASSES[name]
    if name in actions:
        return actions[name]
    namespace = name.rsplit(":", 1)[0] if ":" in name else ""
    while namespace:
        if namespace in CLASSES:
            return CLASSES[namespace]
        namespace = namespace.rsplit(":", 1)[0] if ":" in namespace else ""
    return None


def test_every_url_is_classified():
    actions = _action_of_cases()
    missing = sorted(
        {name or route for route, name in all_urls() if class_of(name, actions) is None}
    )
    assert missing == [], f"classify these views in tests/test_url_sweep.py: {missing}"


class Scene:
    """Real objects of our workspace to fill URL parameters with."""

    def __init__(self, team: Any) -> None:
        from tests.tipline.stories import tip_image_received

        self.factcheck = verdict_published(team)
        self.claim = self.factcheck.claim
        self.evidence = self.claim.evidence.first()
        media = tip_image_received(team)
        self.tip = media.tip
        self.media = media
        self.workspace = team.workspace
        self.values = {
            "workspace_slug": team.workspace.slug,
            "slug": self.factcheck.slug,
            "topic": "suc-khoe",
            "number": "1",
            "code": "en",
            "token": "khong-co",
            "kind": "web",
            "size": "og",
            "key": "claims",
            "evidence_pk": str(self.evidence.pk),
            "tip_id": str(self.tip.pk),
            "media_id": str(media.pk),
            "conversation_id": str(self.tip.conversation_id),
            "public_id": "khong-co",
            "proposal_pk": "999999",
            "claim_id": str(self.claim.pk),
            "factcheck_id": str(self.factcheck.pk),
        }

    def pk_for(self, name: str) -> str:
        if name.startswith(("claims:",)):
            return str(self.claim.pk)
        if name.startswith(("publishing:", "reader:", "outlets:panel", "outlets:announce")):
            return str(self.factcheck.pk)
        return "999999"  # an object we have none of: its page answers 404 at most


def url_for(route: str, name: str, scene: Scene) -> str:
    def fill(match: re.Match[str]) -> str:
        param = match.group(1).split(":")[-1]
        if param == "pk":
            return scene.pk_for(name)
        return scene.values.get(param, "1")

    path = re.sub(r"<([^>]+)>", fill, route)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)  # the admin's regular expressions
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def _allowed(role: str, cls: Any) -> bool:
    if isinstance(cls, Action):
        return role != "outsider" and cls in MATRIX[role]
    return True


@pytest.mark.slow
@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_every_url_answers_each_visitor_as_the_matrix_says(team, client, role):
    actions = _action_of_cases()
    scene = Scene(team)
    if role != "anonymous":
        client.force_login(user_for(team, role))
    problems: list[str] = []
    for route, name in all_urls():
        cls = class_of(name, actions)
        url = url_for(route, name, scene)
        response = client.get(url)
        status = response.status_code
        where = f"{role} GET {url} ({name}) -> {status}"
        location = response.get("Location", "")
        if status >= 500:
            problems.append(where)
            continue
        if cls in (PUBLIC, LOGIN):
            if status == 302 and "/accounts/login/" in location and cls == PUBLIC:
                problems.append(where + ": a public page asks to log in")
            continue
        if cls == HOOK:
            if status == 200:
                problems.append(where + ": a webhook answers a browser's GET")
            continue
        if cls == API:
            if name.split(":")[-1] in API_PUBLIC:
                continue
            if status == 200:
                problems.append(where + ": the API answers without a token")
            continue
        if cls == OPERATOR:
            if status == 200:
                problems.append(where + ": the server admin opens for a non-operator")
            continue
        if role == "anonymous":
            if status == 200 or (status == 302 and "/accounts/login/" not in location):
                problems.append(where + ": a staff page for an anonymous visitor")
            continue
        if cls == ACCOUNT:
            continue
        names_ours = re.search(r"<(int:)?(pk|evidence_pk|tip_id|media_id|conversation_id)>", route)
        if role == "outsider" and names_ours and status == 200 and "999999" not in url:
            problems.append(where + ": the outsider opens an object of our workspace")
            continue
        if not _allowed(role, cls) and role != "outsider" and status == 200:
            problems.append(where + f": {role} may not {cls}, yet the page opens")
        if _allowed(role, cls) and status == 403 and role != "outsider":
            problems.append(where + f": {role} may {cls}, yet the page refuses")
    assert problems == [], "\n".join(problems)
