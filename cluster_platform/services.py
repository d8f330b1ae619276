"""Helpers every app's services use: the audit context and errors that name their field."""

from __future__ import annotations

import pghistory
from django.core.exceptions import ValidationError


def audit(actor, **extra):
    """Tag the database's history rows written inside the block with who acted and through
    which service (pghistory context; the triggers catch bulk writes too)."""
    return pghistory.context(user=getattr(actor, "pk", None), **extra)


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError({field: messages for field, messages in errors.items()})


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
