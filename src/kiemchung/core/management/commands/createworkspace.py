from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from kiemchung.accounts.services import workspace_create

# Which option each field of workspace_create's validation errors came from.
OPTION_OF = {
    "name": "--name",
    "slug": "--slug",
    "admin_username": "--admin-username",
    "admin_email": "--admin-email",
    "admin_password": "--admin-password",
}


class Command(BaseCommand):
    help = "Create a workspace (a team) and its first admin; prints the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name",
            required=True,
            help='Name of the team as readers see it, e.g. "Nhóm Kiểm Chứng".',
        )
        parser.add_argument(
            "--slug",
            required=True,
            help="Short identifier in URLs: lowercase letters, digits and hyphens; must be unused.",
        )
        parser.add_argument(
            "--admin-username", required=True, help="Username of the first admin (a new account)."
        )
        parser.add_argument(
            "--admin-email", required=True, help="E-mail address of the first admin."
        )
        parser.add_argument(
            "--admin-password",
            default=None,
            help="Password of the first admin. When left out, a strong one is generated and "
            "printed once.",
        )

    def handle(
        self,
        *args: Any,
        name: str,
        slug: str,
        admin_username: str,
        admin_email: str,
        admin_password: str | None,
        **options: Any,
    ) -> None:
        password = admin_password or secrets.token_urlsafe(18)
        try:
            with transaction.atomic():
                workspace = workspace_create(
                    name=name,
                    slug=slug,
                    admin_username=admin_username,
                    admin_email=admin_email,
                    admin_password=password,
                )
        except ValidationError as exc:
            problems = [
                f"{OPTION_OF.get(field, field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            raise CommandError("cannot create the workspace\n  " + "\n  ".join(problems)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Workspace “{workspace.name}” ({workspace.slug}) created.")
        )
        self.stdout.write(f"  log in at {settings.SITE_URL}{reverse('accounts:login')}")
        self.stdout.write(f"  username: {admin_username.strip()}")
        if admin_password:
            self.stdout.write("  password: the one given with --admin-password")
        else:
            self.stdout.write(f"  password: {password}")
            self.stdout.write("  (shown only now: keep it safe, or change it after logging in)")
