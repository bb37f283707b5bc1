"""Publishing keeps no tables of its own yet: it reads published fact-checks from claims."""
