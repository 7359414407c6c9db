"""The HTTP edge: the JSON API, the staff UI and the public pages (FastAPI), over `desk.Desk`."""
