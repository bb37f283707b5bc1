import os

from hypothesis import settings
from tests.fuzz import strategies  # noqa: F401  (registers the profiles)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
