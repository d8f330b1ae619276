"""Reading and writing the organization registry as CSV or XLSX.

`parse_upload` turns a file into rows; `validate_rows` checks every row and returns the
errors with the row number, the field and the reason. Nothing here writes: the import
itself is `services.organizations_import`. The file handling (type by content, limits,
zip bombs, formulas on export) is shared, in cluster_platform.spreadsheets; this module
knows the columns and what a row means.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cluster_platform import spreadsheets

from .models import Organization

COLUMNS = [
    "name", "short_name", "kind", "tax_id", "district", "address", "website", "email", "phone",
    "specialisations", "cluster_role",
]
REQUIRED = {"name", "kind"}
EXPORT_COLUMNS = COLUMNS + ["status", "current_rating", "joined_on"]


def _choice(value: str, choices) -> str:
    """Accept a choice by its value or its (English or translated) label."""
    value = (value or "").strip()
    lowered = value.lower()
    for key, label in choices:
        if lowered in (key.lower(), str(label).lower()):
            return key
    return value


def parse_upload(upload) -> list[dict]:
    """Rows (dicts keyed by column) from an uploaded CSV or XLSX file, checked by content."""
    return spreadsheets.parse_upload(upload, columns=COLUMNS, required=REQUIRED)


def validate_rows(*, cluster, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(clean rows, errors); each error is {"row", "field", "message"} with 2 for the first data row."""
    cleaned, errors = [], []
    seen_tax_ids: dict[str, int] = {}
    existing = set(
        Organization.objects.for_cluster(cluster).exclude(tax_id="").values_list("tax_id", flat=True)
    )
    for number, row in enumerate(rows, start=2):
        data = {key: (row.get(key) or "").strip() for key in COLUMNS}
        data["kind"] = _choice(data["kind"], Organization.Kind.choices)
        data["cluster_role"] = _choice(data["cluster_role"], Organization.ClusterRoleKind.choices) or "member"
        organization = Organization(cluster=cluster, **data)
        row_errors = {}
        try:
            organization.full_clean(exclude=["cluster"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row_errors = error.message_dict
        tax_id = data["tax_id"]
        if tax_id and "tax_id" not in row_errors:
            if tax_id in existing:
                row_errors["tax_id"] = [_("An organization with this tax id is already in the cluster.")]
            elif tax_id in seen_tax_ids:
                row_errors["tax_id"] = [_("The same tax id is on row %(row)s.") % {"row": seen_tax_ids[tax_id]}]
            else:
                seen_tax_ids[tax_id] = number
        for field, messages in sorted(row_errors.items()):
            for message in messages:
                errors.append({"row": number, "field": field, "message": message})
        if not row_errors:
            cleaned.append(data)
    return cleaned, errors


def export_rows(queryset):
    yield EXPORT_COLUMNS
    for values in queryset.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        yield ["" if value is None else str(value) for value in values]


def export_csv(queryset) -> bytes:
    return spreadsheets.csv_bytes(export_rows(queryset))


def export_xlsx(queryset) -> bytes:
    return spreadsheets.xlsx_bytes(export_rows(queryset), sheet_name="organizations")
