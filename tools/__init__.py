"""Project tooling: prepare the local test environment (Docker engine, offline images, apt)."""
