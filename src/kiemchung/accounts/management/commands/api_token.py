from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kiemchung.accounts import services
from kiemchung.accounts.models import ApiScope, Member, Workspace


class Command(BaseCommand):
    help = (
        "Make an API token for a member with chosen scopes (read, write, publish, tipline); "
        "prints the secret once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Slug of the member's workspace.")
        parser.add_argument("--user", required=True, help="Username of the member.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiScope.values,
            default=None,
            help="A scope the token may use; repeat for several (default: read).",
        )

    def handle(
        self,
        *args: Any,
        workspace: str,
        user: str,
        name: str,
        scope: list[str] | None,
        **options: Any,
    ) -> None:
        found = Workspace.objects.filter(slug=workspace).first()
        if found is None:
            raise CommandError(f"--workspace: no workspace {workspace!r}")
        member = (
            Member.objects.select_related("user", "workspace")
            .filter(workspace=found, user__username=user)
            .first()
        )
        if member is None:
            raise CommandError(f"--user: {user!r} is not a member of {workspace!r}")
        try:
            with transaction.atomic():
                token, raw = services.api_token_create(
                    member=member, name=name, scopes=scope or [ApiScope.READ]
                )
        except ValidationError as exc:
            raise CommandError(" ".join(str(m) for m in exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write("The secret is shown this once; only its digest is stored.")
        self.stdout.write(
            json.dumps(
                {
                    "name": token.name,
                    "prefix": token.prefix,
                    "scopes": token.scopes,
                    "role": member.role,
                    "token": raw,
                },
                ensure_ascii=False,
            )
        )
