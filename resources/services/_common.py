"""Helpers every resources service uses: the audit context and field errors."""

import pghistory
from django.core.exceptions import ValidationError


def audit(actor, **extra):
    return pghistory.context(user=getattr(actor, "pk", None), **extra)


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError({field: messages for field, messages in errors.items()})


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)
