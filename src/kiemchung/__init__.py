"""kiemchung: a Vietnamese-first newsroom for teams that check public claims in the open."""

__version__ = "0.1.0"
