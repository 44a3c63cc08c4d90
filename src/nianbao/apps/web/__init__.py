"""`nianbao serve`: the web page and JSON API (FastAPI), one folder per job with expiry, and the Chinese pages."""
