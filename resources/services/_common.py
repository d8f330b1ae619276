"""Helpers every resources service uses: the audit context and field errors (shared by every app)."""

from cluster_platform.services import add_error, audit, raise_errors  # noqa: F401
