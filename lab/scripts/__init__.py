"""Small programs `up` runs with the lab venv's Python (they import the services' packages)."""
