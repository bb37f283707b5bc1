"""One adapter per chat platform, found through `registry.adapter_for(channel)`."""
