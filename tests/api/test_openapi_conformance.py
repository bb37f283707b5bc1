"""API v1 against its own OpenAPI document: schemathesis generates requests for every operation
from the document and checks that none answers 500 and every answer matches the document.

The app is called in process through Django's WSGI handler (as the test client does), with a
token of an editor that has every scope, in a workspace holding a claim at each step of its
review, so that reads and steps find real rows.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from claim_stories import claim_opened, verdict_approved, verdict_drafted, verdict_in_review

# Examples per operation: enough to reach each parameter's edges, small enough for the whole
# run to stay near a minute on two cores.
EXAMPLES = 8
# Each search embeds its text with the model: fewer, longer examples.
MATCH_EXAMPLES = 4


@pytest.fixture
def in_test_transaction():
    # Like Django's test client: the request signals must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(team, settings, index_in_tmp):
    """An editor's token with every scope, and stories for its reads to find."""
    from kiemchung.accounts import services as accounts_services

    settings.API_RATE_LIMIT = 100_000
    claim_opened(team, text="Giá xăng sẽ tăng gấp đôi từ tháng sau")
    verdict_drafted(team)
    verdict_in_review(team)
    verdict_approved(team)
    _token, raw = accounts_services.api_token_create(
        member=team.member(team.editor),
        name="schemathesis",
        scopes=["read", "write", "publish", "tipline"],
    )
    return raw


# Read when the module is collected: the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


def call_and_validate(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        # A cursor is opaque: any string fits the document, only the server's own are taken
        # (a 400 naming it, by design); so is text with NUL (a 422 naming the field).
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


RUN = {
    "deadline": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
}


@schema.exclude(path="/api/v1/matches").parametrize()
@settings(max_examples=EXAMPLES, **RUN)
def test_every_operation_answers_as_documented(case, token, in_test_transaction):
    call_and_validate(case, token)


@schema.include(path="/api/v1/matches").parametrize()
@settings(max_examples=MATCH_EXAMPLES, **RUN)
def test_already_checked_answers_as_documented(case, token, in_test_transaction):
    call_and_validate(case, token)
