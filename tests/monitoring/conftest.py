import pytest


@pytest.fixture(autouse=True)
def _no_politeness_wait(monkeypatch):
    """Tests fetch from one local host many times; the per-host pause is tested on its own."""
    from kiemchung.monitoring.sources import base

    monkeypatch.setattr(base, "HOST_DELAY_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _fresh_process_copies():
    from kiemchung.monitoring.learner import forget_scorers
    from kiemchung.monitoring.matchers import forget_matchers

    forget_matchers()
    forget_scorers()
    yield
    forget_matchers()
    forget_scorers()
