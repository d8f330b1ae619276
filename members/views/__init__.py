"""Browser views of the members app, one module per page group (see members/urls.py)."""
