"""Importing organizations from CSV or XLSX: upload, preview every problem, then confirm.

The parsed rows wait in the session between the preview and the confirmation, so the file
is read once; the service validates them again inside its transaction before saving.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import importing, permissions, services
from ..forms import OrganizationImportForm
from ..models import Organization
from .base import ClusterPage

PREVIEW_COLUMNS = ["name", "short_name", "kind", "tax_id", "district", "cluster_role"]


def _session_key(cluster) -> str:
    return f"members.import.{cluster.pk}"


def _display_rows(rows: list[dict]) -> list[dict]:
    kinds = dict(Organization.Kind.choices)
    roles = dict(Organization.ClusterRoleKind.choices)
    return [
        {**row, "kind": kinds.get(row["kind"], row["kind"]), "cluster_role": roles.get(row["cluster_role"], "")}
        for row in rows
    ]


class OrganizationImportView(ClusterPage):
    """GET: the upload form. POST: the preview (errors, or the rows and a confirm button)."""

    template_name = "members/organization_import.html"
    allowed = permissions.can_manage_members
    nav_section = "organizations"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=OrganizationImportForm()))

    def post(self, request, *args, **kwargs):
        request.session.pop(_session_key(self.cluster), None)
        form = OrganizationImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        try:
            rows = importing.parse_upload(form.cleaned_data["file"])
        except ValidationError as error:
            form.apply_service_error(error)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        cleaned, errors = importing.validate_rows(cluster=self.cluster, rows=rows)
        if errors:
            return self.render_to_response(self.get_context_data(
                form=OrganizationImportForm(), row_errors=errors, row_count=len(rows),
                bad_rows=len({error["row"] for error in errors}),
            ), status=422)
        import_id = uuid.uuid4().hex
        request.session[_session_key(self.cluster)] = {"id": import_id, "rows": rows}
        return self.render_to_response(self.get_context_data(
            preview=_display_rows(cleaned), import_id=import_id, columns=PREVIEW_COLUMNS,
        ))


class OrganizationImportConfirmView(ClusterPage):
    template_name = "members/organization_import.html"
    allowed = permissions.can_manage_members
    nav_section = "organizations"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        pending = request.session.get(_session_key(self.cluster))
        # The id ties the confirmation to the preview on screen: a preview opened in another
        # tab since then replaced the stored rows.
        if not pending or pending.get("id") != request.POST.get("import_id"):
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("organization_import", cluster_slug=self.cluster.slug)
        try:
            result = services.organizations_import(cluster=self.cluster, actor=request.user, rows=pending["rows"])
        except ValidationError as error:
            request.session.pop(_session_key(self.cluster), None)
            return self.render_to_response(self.get_context_data(
                form=OrganizationImportForm(), import_errors=error.messages,
            ), status=422)
        request.session.pop(_session_key(self.cluster), None)
        count = len(result.created)
        messages.success(request, ngettext(
            "%(count)d organization was imported.", "%(count)d organizations were imported.", count
        ) % {"count": count})
        return redirect("organization_list", cluster_slug=self.cluster.slug)
