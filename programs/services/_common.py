"""Helpers every programs service uses: the audit context and field errors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pghistory
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def audit(actor, **extra):
    return pghistory.context(user=getattr(actor, "pk", None), **extra)


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError({field: messages for field, messages in errors.items()})


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def score(value, errors, field):
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        score = None
    if score is None or not score.is_finite() or score < 0 or score > 100:
        add_error(errors, field, _("Give a score from 0 to 100."))
        return None
    return score.quantize(Decimal("0.01"))
