"""Browser pages of agreements: the list, create, the agreement page and its actions.

Every agreement is loaded through `selectors.agreement_get` with the cluster and the user's
roles, so another cluster's agreement and one the user may not read answer alike (404);
every write is a service call, whose PermissionDenied answers 403 and whose ValidationError
is shown on the form with 422.

Documents are uploaded through services.document_upload and downloaded through
selectors.document_get, so a document answers only under its own agreement, to those who
may read that agreement; the file goes out as an attachment that the browser may neither
sniff nor render in the page's origin.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.forms import ConfirmForm, integer_or_none, limited_choices
from cluster_platform.rows import date_labels, url_for_pk
from members import selectors as member_selectors
from members.models import Organization
from members.views.base import ClusterPage, ServiceFormView, paginate

from . import documents, permissions, selectors, services
from .forms import (
    AgreementFilterForm,
    AgreementForm,
    DocumentUploadForm,
    ObligationForm,
    PartyFormSet,
    RenewForm,
    RepresentativeForm,
    SignForm,
    TransitionForm,
)
from .models import Agreement, AgreementDocument, Obligation

Status = Agreement.Status
RESULTS_ID = "agreement-results"
# The organization field of a row of the new agreement's parties (PartyFormSet, prefix "parties").
PARTY_ORGANIZATION = re.compile(r"parties-\d{1,2}-organization")

# Moves that take effect only after a confirmation page that asks for the reason.
CONFIRMED_MOVES = {Status.SUSPENDED, Status.TERMINATED}
MOVE_BUTTONS = {
    Status.DRAFT: (gettext_lazy("Back to draft"), "btn-outline-secondary"),
    Status.NEGOTIATION: (gettext_lazy("Start negotiation"), "btn-primary"),
    Status.SIGNED: (gettext_lazy("Declare signed"), "btn-primary"),
    Status.ACTIVE: (gettext_lazy("Activate"), "btn-success"),
    Status.SUSPENDED: (gettext_lazy("Suspend"), "btn-warning"),
    Status.TERMINATED: (gettext_lazy("Terminate"), "btn-danger"),
}


# Statuses in which the text is settled: what gets uploaded now is most likely the signed scan.
SIGNED_STATUSES = {Status.SIGNED, Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED, Status.TERMINATED}


def available_moves(roles, agreement) -> list[dict]:
    """The status moves these roles may offer on the agreement page (services.MOVES decides;
    the guards, such as every party having signed, are checked by the service on POST)."""
    moves = []
    for (current, target) in services.MOVES:
        if current != agreement.status or not services.may_move(roles, agreement, target):
            continue
        label, button = MOVE_BUTTONS[target]
        moves.append({"status": target, "label": label, "button": button, "confirm": target in CONFIRMED_MOVES})
    return moves


class AgreementPage(ClusterPage):
    """A page of the agreements section; objects that cannot be found are 404."""

    allowed = permissions.can_browse
    nav_section = "agreements"
    agreement = None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404

    def load_agreement(self) -> Agreement:
        try:
            self.agreement = selectors.agreement_get(cluster=self.cluster, roles=self.roles, pk=self.kwargs["pk"])
        except (Agreement.DoesNotExist, ValueError):
            raise Http404
        return self.agreement

    def agreement_url(self, anchor: str = "") -> str:
        return reverse("agreement_detail", args=[self.cluster.slug, self.agreement.pk]) + anchor

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agreement"] = self.agreement
        return context


def with_labels(rows: list[Agreement], cluster_slug: str) -> list[Agreement]:
    """The rows with `detail_url`, `kind_label`, `status_badge` (the partial's HTML),
    `start_label` and `end_label` set, each computed once per value on the page rather than
    once per row: a choice's label is translated each time it is read, the badge is a template
    of its own, and a reverse or a localized date costs more than the rest of a row."""
    kinds, statuses = dict(Agreement.Kind.choices), dict(Status.choices)
    kind_labels, badges = {}, {}
    detail_url, day = url_for_pk("agreement_detail", cluster_slug), date_labels("j E Y")
    for row in rows:
        if row.kind not in kind_labels:
            kind_labels[row.kind] = str(kinds.get(row.kind, row.kind))
        if row.status not in badges:
            badges[row.status] = render_to_string("agreements/partials/status_badge.html", {
                "status": row.status, "label": statuses.get(row.status, row.status)})
        row.kind_label, row.status_badge = kind_labels[row.kind], badges[row.status]
        row.detail_url, row.start_label, row.end_label = detail_url(row.pk), day(row.start_date), day(row.end_date)
        row.party_names = selectors.party_names(row)
    return rows


class AgreementListView(AgreementPage):
    template_name = "agreements/agreement_list.html"
    results_template = "agreements/partials/agreement_results.html"

    def get_template_names(self):
        return [self.results_template] if self.results_only() else [self.template_name]

    def results_only(self) -> bool:
        htmx = self.request.htmx
        return bool(htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The results alone (an htmx request) do not show the form: no suggestions to read.
        form = AgreementFilterForm(
            self.request.GET or None, organizations=member_selectors.organization_list(cluster=self.cluster),
            name_suggestions=() if self.results_only() else selectors.party_name_suggestions(
                cluster=self.cluster, limit=AgreementFilterForm.SUGGESTED_NAMES))
        filters = form.filters()
        agreements = selectors.agreement_rows(cluster=self.cluster, roles=self.roles, filters=filters)
        page = paginate(self.request, agreements.order_by(*form.ordering()))
        context.update(
            form=form,
            page_obj=page,
            agreements=with_labels(page.object_list, self.cluster.slug),
            sort_columns=form.sort_columns(),
            is_filtered=bool(filters),
            results_id=RESULTS_ID,
            can_create=permissions.can_create(self.roles, self.roles.organizations_with("admin")),
        )
        return context


class AgreementCreateView(AgreementPage, ServiceFormView):
    template_name = "agreements/agreement_form.html"
    form_class = AgreementForm

    def check_cluster_permission(self):
        if not permissions.can_create(self.roles, self.roles.organizations_with("admin")):
            raise PermissionDenied

    def get_formset(self, data=None):
        admin_of = self.roles.organizations_with("admin")
        initial = None
        if not self.roles.is_coordinator and len(admin_of) == 1:
            initial = [{"organization": next(iter(admin_of)), "role": "initiator"}]
        chosen = [row["organization"] for row in initial or ()]
        chosen += [integer_or_none(value) for key, value in (data or {}).items()
                   if PARTY_ORGANIZATION.fullmatch(key)]
        # The rows' organization choices, shared: every active member, or in a large cluster the
        # first of them and those the rows name, each row with a box to find the others.
        organizations = member_selectors.organization_choices(cluster=self.cluster, active_only=True)
        choices, searchable = limited_choices(organizations, chosen=[pk for pk in chosen if pk is not None])
        active = {pk for pk, _name in choices}
        return PartyFormSet(
            data, prefix="parties", initial=initial,
            form_kwargs={"organizations": choices, "organization_objects": organizations,
                         "organizations_url": reverse("organization_options_active", args=[self.cluster.slug])
                         if searchable else "",
                         # The signatories offered: the people of the organizations the rows name, in one query.
                         "people_of": selectors.signatories_by_organization(
                             cluster=self.cluster, organization_ids=active.intersection(chosen)),
                         "signatories_url": reverse("agreement_signatories", args=[self.cluster.slug])},
            roles=self.roles,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form(), formset=self.get_formset()))

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(request.POST), self.get_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                self.object = services.agreement_create(
                    cluster=self.cluster, actor=request.user, parties=formset.service_data(), **form.cleaned_data)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "parties" in error.error_dict:
                    formset._non_form_errors = formset.error_class(error.message_dict["parties"])
                    error = ValidationError({k: v for k, v in error.error_dict.items() if k != "parties"})
                    if error.error_dict:
                        form.apply_service_error(error)
                else:
                    form.apply_service_error(error)
            else:
                messages.success(request, _("Agreement %(number)s was created as a draft.") % {
                    "number": self.object.number})
                return redirect(reverse("agreement_detail", args=[self.cluster.slug, self.object.pk]))
        return self.render_to_response(self.get_context_data(form=form, formset=formset), status=422)


class AgreementSignatoriesView(AgreementPage):
    """The signatories a row of the new-agreement form offers for the organization just chosen
    in it (`?parties-N-organization=<id>`): the `<option>`s htmx puts into the row's select."""

    template_name = "agreements/partials/signatory_options.html"

    def check_cluster_permission(self):
        if not permissions.can_create(self.roles, self.roles.organizations_with("admin")):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        value = next((value for key, value in self.request.GET.items() if PARTY_ORGANIZATION.fullmatch(key)), "")
        people = []
        if value:
            try:
                organization = member_selectors.organization_choices(cluster=self.cluster, active_only=True).get(
                    pk=integer_or_none(value))
            except Organization.DoesNotExist:
                raise Http404
            people = selectors.signatories_by_organization(
                cluster=self.cluster, organization_ids=[organization.pk]).get(organization.pk, [])
        context["people"] = people
        return context


class AgreementDetailView(AgreementPage):
    template_name = "agreements/agreement_detail.html"

    def get_context_data(self, **kwargs):
        agreement = self.load_agreement()
        context = super().get_context_data(**kwargs)
        roles = self.roles
        parties = list(agreement.parties.all())
        negotiating = agreement.status == Status.NEGOTIATION
        context.update(
            parties=[{
                "party": party,
                "can_sign": negotiating and party.signed_on is None and permissions.can_sign(roles, party),
                "can_name_representatives": permissions.can_name_representatives(roles, party),
            } for party in parties],
            obligations=[{
                "obligation": obligation,
                "can_complete": (obligation.status in (Obligation.Status.OPEN, Obligation.Status.OVERDUE)
                                 and permissions.can_complete_obligation(roles, obligation)),
            } for obligation in agreement.obligations.all()],
            transitions=agreement.transitions.all(),
            moves=available_moves(roles, agreement),
            can_renew=permissions.can_renew_now(roles, agreement),
            can_add_obligation=permissions.can_add_obligation(roles, agreement),
            sign_form=SignForm(),
            **self.documents_context(agreement),
        )
        return context

    def documents_context(self, agreement) -> dict:
        # One query for every document and its uploader, however many versions there are.
        rows = list(selectors.document_list(cluster=self.cluster, roles=self.roles, agreement_id=agreement.pk))
        can_upload = permissions.can_upload_document(self.roles, agreement)
        has_signed_scan = any(row.kind == AgreementDocument.Kind.SIGNED_SCAN for row in rows)
        return {
            "documents": rows,
            "can_upload_document": can_upload,
            "upload_form": DocumentUploadForm(initial={"kind": suggested_document_kind(agreement)})
            if can_upload else None,
            # Signed but not active yet: the scan of the signed paper belongs on file before activation.
            "signed_scan_wanted": can_upload and agreement.status == Status.SIGNED and not has_signed_scan,
        }


class AgreementActionView(AgreementPage, ServiceFormView):
    """A form about one agreement: its own page on GET and after errors; the agreement page
    links or posts to it."""

    def load(self):
        self.load_agreement()
        self.load_target()

    def load_target(self):
        """Load the object the action is about and check the user may act on it."""

    def get_success_url(self):
        return self.agreement_url()


class AgreementTransitionView(AgreementActionView):
    template_name = "agreements/agreement_transition.html"
    form_class = TransitionForm

    def load_target(self):
        self.require(permissions.can_propose(self.roles, self.agreement))
        self.moves = available_moves(self.roles, self.agreement)
        wanted = self.request.POST.get("to_status") or self.request.GET.get("to")
        self.move = next((move for move in self.moves if move["status"] == wanted), None)

    def get_form_kwargs(self):
        return {"with_reason": bool(self.move and self.move["confirm"]),
                "initial": {"to_status": self.move["status"] if self.move else ""}}

    def get_form(self, data=None):
        form = super().get_form(data)
        if data is not None and self.move is None:
            form.add_error(None, _("Choose one of the actions offered for this agreement."))
        return form

    def perform(self, form):
        return services.agreement_transition(
            cluster=self.cluster, actor=self.request.user, agreement_id=self.agreement.pk,
            to_status=form.cleaned_data["to_status"], comment=form.cleaned_data.get("comment", ""),
            reason=form.cleaned_data.get("reason", ""),
        )

    def get_success_message(self):
        return _("The agreement is now %(status)s.") % {"status": self.object.get_status_display().lower()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(moves=self.moves, move=self.move)
        return context


class AgreementSignView(AgreementActionView):
    template_name = "agreements/agreement_sign.html"
    form_class = SignForm

    def load_target(self):
        self.party = next((p for p in self.agreement.parties.all() if p.pk == self.kwargs["party_pk"]), None)
        if self.party is None:
            raise Http404
        self.require(permissions.can_sign(self.roles, self.party))

    def get_form_kwargs(self):
        people = member_selectors.person_list(cluster=self.cluster).filter(
            organization_id=self.party.organization_id, is_active=True)
        return {"people": people}

    def perform(self, form):
        return services.agreement_sign(cluster=self.cluster, actor=self.request.user,
                                       agreement_id=self.agreement.pk, party_id=self.party.pk,
                                       **form.service_data())

    def get_success_message(self):
        return _("The signature of %(name)s was recorded.") % {"name": self.party.organization.localized_name}

    def get_success_url(self):
        return self.agreement_url("#parties")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["party"] = self.party
        return context


class RepresentativesView(AgreementActionView):
    """The people who represent one party on this agreement: name one (the form) or remove
    one (a button per person, confirmed first). Both POST here; `action` says which."""

    template_name = "agreements/representatives.html"
    form_class = RepresentativeForm

    def load_target(self):
        self.party = next((p for p in self.agreement.parties.all() if p.pk == self.kwargs["party_pk"]), None)
        if self.party is None:
            raise Http404
        self.require(permissions.can_name_representatives(self.roles, self.party))
        self.removing = self.request.method == "POST" and self.request.POST.get("action") == "remove"

    def get_form_kwargs(self):
        if self.removing:
            return {"people": selectors.representative_users(cluster=self.cluster, party=self.party)}
        return {"people": selectors.representative_candidates(cluster=self.cluster, party=self.party)}

    def perform(self, form):
        service = services.representative_remove if self.removing else services.representative_add
        self.person = form.cleaned_data["user"]
        return service(cluster=self.cluster, actor=self.request.user, agreement_id=self.agreement.pk,
                       party_id=self.party.pk, user_id=self.person.pk)

    def get_success_message(self):
        values = {"name": self.person.get_full_name() or self.person.get_username(),
                  "organization": self.party.organization.localized_name}
        if self.removing:
            return _("%(name)s no longer represents %(organization)s on this agreement.") % values
        return _("%(name)s now represents %(organization)s on this agreement.") % values

    def get_success_url(self):
        return reverse("agreement_representatives", args=[self.cluster.slug, self.agreement.pk, self.party.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.removing and "form" in context:
            # A refused removal (the page was stale): say why above the list, and offer the
            # form to name someone as usual.
            context["remove_errors"] = [error for errors in context["form"].errors.values() for error in errors]
            context["form"] = RepresentativeForm(
                people=selectors.representative_candidates(cluster=self.cluster, party=self.party))
        context.update(party=self.party, representatives=[grant.user for grant in self.party.representative_grants])
        return context


class AgreementRenewView(AgreementActionView):
    template_name = "agreements/agreement_renew.html"
    form_class = RenewForm

    def load_target(self):
        self.require(permissions.can_renew_now(self.roles, self.agreement))

    def perform(self, form):
        return services.agreement_renew(cluster=self.cluster, actor=self.request.user,
                                        agreement_id=self.agreement.pk, **form.cleaned_data)

    def get_success_message(self):
        return _("Agreement %(number)s was created as the renewal.") % {"number": self.object.number}

    def get_success_url(self):
        return reverse("agreement_detail", args=[self.cluster.slug, self.object.pk])


class ObligationCreateView(AgreementActionView):
    template_name = "agreements/obligation_form.html"
    form_class = ObligationForm

    def load_target(self):
        self.require(permissions.can_add_obligation(self.roles, self.agreement))

    def get_form_kwargs(self):
        return {"parties": self.agreement.parties.all()}

    def perform(self, form):
        return services.obligation_add(cluster=self.cluster, actor=self.request.user,
                                       agreement_id=self.agreement.pk, **form.service_data())

    def get_success_message(self):
        return _("The obligation was added.")

    def get_success_url(self):
        return self.agreement_url("#obligations")


class ObligationDoneView(AgreementActionView):
    template_name = "agreements/obligation_done.html"
    form_class = ConfirmForm

    def load_target(self):
        self.obligation = next(
            (o for o in self.agreement.obligations.all() if o.pk == self.kwargs["obligation_pk"]), None)
        if self.obligation is None:
            raise Http404
        self.require(permissions.can_complete_obligation(self.roles, self.obligation))

    def perform(self, form):
        return services.obligation_complete(cluster=self.cluster, actor=self.request.user,
                                            obligation_id=self.obligation.pk)

    def get_success_message(self):
        return _("The obligation was marked done.")

    def get_success_url(self):
        return self.agreement_url("#obligations")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["obligation"] = self.obligation
        return context


# --- Documents ---------------------------------------------------------------------------------

def suggested_document_kind(agreement) -> str:
    if agreement.status in SIGNED_STATUSES:
        return AgreementDocument.Kind.SIGNED_SCAN
    return AgreementDocument.Kind.DRAFT


def document_file_response(document: AgreementDocument) -> FileResponse:
    """The stored file of a document as a download, for the browser and the API alike.

    The content type is the one detected at upload; the file name is the cleaned display
    name, always as an attachment. `nosniff` and a sandboxing CSP keep a browser from
    running anything in it should it be opened in a tab. A file missing from the storage is
    404: the row outlived its file, which is not the client's fault, but there is nothing to
    send either."""
    if not document.file.name:
        raise Http404
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = documents.content_disposition(document.display_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# services.document_upload stores the file outside the database and must run outside any
# transaction of the caller (see its docstring): never wrap this request in one, even
# should ATOMIC_REQUESTS be switched on.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class DocumentUploadView(AgreementActionView):
    template_name = "agreements/document_upload.html"
    form_class = DocumentUploadForm

    def load_target(self):
        self.require(permissions.can_upload_document(self.roles, self.agreement))

    def get_form(self, data=None):
        if data is None:
            wanted = self.request.GET.get("kind")
            kind = wanted if wanted in AgreementDocument.Kind.values else suggested_document_kind(self.agreement)
            return self.form_class(initial={"kind": kind})
        return self.form_class(data, self.request.FILES)

    def perform(self, form):
        return services.document_upload(cluster=self.cluster, actor=self.request.user,
                                        agreement_id=self.agreement.pk, **form.service_data())

    def get_success_message(self):
        return _("%(name)s was uploaded as %(kind)s, version %(version)s.") % {
            "name": self.object.display_name, "kind": self.object.get_kind_display().lower(),
            "version": self.object.version}

    def get_success_url(self):
        return self.agreement_url("#documents")


class DocumentDownloadView(AgreementPage):
    """GET only. Anyone who may not read the agreement (experts included, who have no
    agreements section) gets 404, as for a document of another agreement or cluster."""

    allowed = None
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        try:
            document = selectors.document_get(cluster=self.cluster, roles=self.roles,
                                              agreement_id=self.kwargs["pk"], pk=self.kwargs["document_pk"])
        except AgreementDocument.DoesNotExist:
            raise Http404
        return document_file_response(document)
