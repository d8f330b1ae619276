"""Helpers every programs service uses: the audit context and field errors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError  # noqa: F401
from django.utils.translation import gettext as _

from cluster_platform.services import add_error, audit, is_int, raise_errors  # noqa: F401


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
