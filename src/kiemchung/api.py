"""The JSON API: one NinjaAPI, each app adding its router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="kiemchung API", version="1", urls_namespace="api")
api.add_router("/claims/", "kiemchung.claims.api.router")
api.add_router("/accounts/", "kiemchung.accounts.api.router")
