"""Browser pages of innovations: core (see innovations/views/__init__.py).

The catalogue, the coordinators' pipeline board, the innovation page, proposing and editing,
"my innovations", stage moves and attachments. Every read starts from
permissions.visible_innovations, so what a reader may not see answers 404 like what does not
exist; every write is a service call.
"""

from __future__ import annotations

import functools
from html import escape

from django.core.exceptions import PermissionDenied, ValidationError
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.template.backends.utils import csrf_input
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cluster_platform import uploads
from cluster_platform.forms import ConfirmForm, integer_or_none, search_options
from cluster_platform.names import localized
from cluster_platform.rows import url_for_pk
from members import selectors as member_selectors
from members.models import Person
from members.views.base import paginate, redirect_back

from .. import permissions, selectors, services
from ..forms import AttachmentForm, InnovationFilterForm, InnovationForm, TransitionForm, people_choices
from ..models import InnovationAttachment, InnovationAuthor, Stage, StageTransition, SubjectField
from ..services.lifecycle import REASON_REQUIRED, move_blockers, moves_for, round_figures_of, with_round_figures
from . import pilots as pilots_views
from . import reviews as reviews_views
from .base import InnovationActionView, InnovationPage

RESULTS_ID = "innovation-results"
BOARD_COLUMN_LIMIT = 10  # the newest cards of a column; the rest through the catalogue
# The stages whose cards offer "Assign experts" on the board.
EXPERT_STAGES = {Stage.PROPOSED, Stage.IN_REVIEW, Stage.REVISION_REQUESTED}
CONFIRMED_INPUT = '<input type="hidden" name="confirmed" value="1">'

# Moves that take effect only after a confirmation page (with the comment box): rejecting,
# archiving and sending back to the authors cannot be taken back by the one who did it.
CONFIRMED_MOVES = {Stage.REJECTED, Stage.ARCHIVED, Stage.REVISION_REQUESTED}
MOVE_BUTTONS = {
    Stage.IN_REVIEW: (gettext_lazy("Send to review"), "btn-primary"),
    Stage.APPROVED_FOR_PILOT: (gettext_lazy("Approve for a pilot"), "btn-success"),
    Stage.REVISION_REQUESTED: (gettext_lazy("Request a revision"), "btn-outline-dark"),
    Stage.REJECTED: (gettext_lazy("Reject"), "btn-outline-danger"),
    Stage.PILOTING: (gettext_lazy("Start the pilot"), "btn-primary"),
    Stage.EVALUATED: (gettext_lazy("Mark as evaluated"), "btn-primary"),
    Stage.IMPLEMENTING: (gettext_lazy("Start implementing"), "btn-primary"),
    Stage.DISSEMINATING: (gettext_lazy("Start disseminating"), "btn-primary"),
    Stage.ARCHIVED: (gettext_lazy("Archive"), "btn-outline-secondary"),
}


def move_choices(roles, innovation, *, cluster=None, policy=None, read_figures=None) -> list[dict]:
    """The moves the reader may try, as buttons. Given the cluster (one innovation's page), each
    move also carries the reasons its guard would refuse it now (`blocked`), the guards sharing
    the page's `policy` and `read_figures` (lifecycle.move_blockers); the board leaves that to
    the service on POST, which answers with the same reasons."""
    choices = []
    for target in moves_for(roles, innovation):
        label, button = MOVE_BUTTONS[target]
        if target == Stage.IN_REVIEW and innovation.stage == Stage.REVISION_REQUESTED:
            label = _("Resubmit for review")
        elif target == Stage.ARCHIVED and innovation.stage in permissions.EDITABLE_STAGES:
            label = _("Withdraw")
        choices.append({"stage": target, "label": label, "button": button, "confirm": target in CONFIRMED_MOVES,
                        "reason_required": target in REASON_REQUIRED,
                        "blocked": move_blockers(cluster, innovation, target, policy=policy, read_figures=read_figures)
                        if cluster is not None else []})
    return choices


def subject_field_labels(codes) -> list[str]:
    return [SubjectField(code).label for code in codes if code in SubjectField.values]


def authors_hidden(view, innovation, policy=None) -> bool:
    """Blind review (permissions.authors_hidden_from): names in the author list and the timeline."""
    return permissions.authors_hidden_from(view.roles, innovation, policy or selectors.policy_for(view.cluster))


def attachment_file_response(attachment: InnovationAttachment) -> FileResponse:
    """The stored file of an attachment as a download, for the browser and the API alike (as
    agreements.views.document_file_response): the content type detected at upload, the cleaned
    name, always an attachment, `nosniff` and a sandboxing CSP."""
    if not attachment.file.name:
        raise Http404
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = uploads.content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _organizations(cluster, pks=None):
    organizations = member_selectors.organization_choices(cluster=cluster, active_only=True)
    return organizations if pks is None else organizations.filter(pk__in=sorted(pks))


# --- The catalogue, the board, "mine" --------------------------------------------------------

class OriginOptionsView(InnovationPage):
    """The options of the catalogue's origin select, searched (cluster_platform.forms.offer_choices)."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        return HttpResponse(search_options(request, selectors.origin_choices(
            self.cluster, self.roles, blind=self.blind_reader)))


class InnovationListView(InnovationPage):
    template_name = "innovations/innovation_list.html"

    def get_template_names(self):
        htmx = self.request.htmx
        if htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request:
            return ["innovations/partials/innovation_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        blind = self.blind_reader
        form = InnovationFilterForm(self.request.GET or None,
                                    organizations=selectors.origin_choices(self.cluster, self.roles, blind=blind),
                                    organizations_url=reverse("innovation_origin_options", args=[self.cluster.slug]))
        filters = form.filters()
        if blind:
            filters.pop("origin", None)
        innovations = selectors.filter_innovations(permissions.visible_innovations(self.cluster, self.roles), filters)
        page = paginate(self.request, innovations.select_related("origin_organization").order_by(*form.ordering()))
        for innovation in page.object_list:
            innovation.origin_hidden = permissions.origin_hidden(self.roles, innovation, blind)
        context.update(form=form, page_obj=page, innovations=page.object_list, is_filtered=bool(filters),
                       results_id=RESULTS_ID, can_propose=permissions.can_propose(self.roles),
                       can_board=self.roles.is_coordinator,
                       can_review_queue=permissions.can_see_review_queue(self.roles),
                       can_flow=permissions.can_view_flow(self.roles))
        return context


class InnovationBoardView(InnovationPage):
    """The pipeline by stage, for coordinators: a column per stage with the cards that entered
    it last (the rest, and every innovation, through the catalogue: a column's "more" link
    lists its stage there in the board's order), each card with the moves the coordinator may try."""

    template_name = "innovations/innovation_board.html"

    def check_cluster_permission(self):
        if not self.roles.is_coordinator:
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug = self.cluster.slug
        cards = selectors.stage_columns(permissions.visible_innovations(self.cluster, self.roles), Stage.values,
                                        limit=BOARD_COLUMN_LIMIT)
        board_url = reverse("innovation_board", args=[slug])
        card_html = BoardCards(self.roles, slug, csrf=csrf_input(self.request), next_url=board_url)
        columns = {value: {"stage": value, "label": label, "cards": [], "count": 0, "more": 0}
                   for value, label in Stage.choices}
        for card in cards:
            column = columns[card.stage]
            column["count"], column["more"] = card.stage_count, max(0, card.stage_count - BOARD_COLUMN_LIMIT)
            card.html = card_html(card)
            column["cards"].append(card)
        context.update(
            columns=list(columns.values()),
            # The rest of a column in the catalogue, in the board's order.
            more_url=reverse("innovation_list", args=[slug]) + "?sort=-stage_changed_at&stage=",
            board_error=kwargs.get("board_error"),
        )
        return context


class BoardCards:
    """The board's cards, rendered in Python (as cluster_platform.forms.FastSelect): the
    template's `{% include %}` of the move forms and its tags, some 35 per card, took 25 ms for
    the board's hundred cards; this takes under 2.

    A card: its title linking to its page, its origin, its days in the stage, "Assign experts"
    while it is reviewed, and a form per move: one that needs no confirmation is made at once
    (`confirmed`), the others open the confirmation page with the comment box, and every move
    comes back to the board (`next`). No guard's reasons: the service answers them on POST
    (move_choices). Every text and URL goes in escaped (html.escape, what
    django.utils.html.escape does without its lazy wrapper); innovations/tests/test_board.py
    reads the HTML back."""

    def __init__(self, roles, cluster_slug: str, *, csrf: str, next_url: str):
        self.roles, self.csrf = roles, csrf
        self.next_input = f'<input type="hidden" name="next" value="{escape(next_url)}">'
        self.now = timezone.now()
        self.detail_url, self.transition_url, self.experts_url = (url_for_pk(name, cluster_slug) for name in (
            "innovation_detail", "innovation_transition", "innovation_experts"))
        self.assign_experts = escape(_("Assign experts"))
        self.labels: dict = {}  # a move's label depends on its two stages alone (move_choices)

    def __call__(self, card) -> SafeString:
        title, days = escape(localized(card, "title")), max(0, (self.now - card.stage_changed_at).days)
        experts = (
            f'<a class="btn btn-sm btn-outline-primary mb-1" href="{escape(self.experts_url(card.pk))}"'
            f' aria-label="{self.assign_experts}: {title}">{self.assign_experts}</a>'
        ) if card.stage in EXPERT_STAGES else ""
        in_stage = ngettext("%(counter)s day in this stage", "%(counter)s days in this stage", days) % {"counter": days}
        return mark_safe(
            f'<article class="card mb-2" id="card-{card.pk}"><div class="card-body p-2">'
            f'<h3 class="h6 mb-1"><a href="{escape(self.detail_url(card.pk))}">{title}</a></h3>'
            f'<p class="small text-muted mb-1">{escape(localized(card, "origin_name"))}<br>{escape(in_stage)}</p>'
            f'\n{experts}\n{self.moves(card, title)}</div></article>'
        )

    def moves(self, card, title: str) -> str:
        opening = (
            f'<form method="post" action="{escape(self.transition_url(card.pk))}" class="d-inline-block mb-1">'
            f'{self.csrf}{self.next_input}<input type="hidden" name="expected_stage" value="{escape(card.stage)}">'
        )
        forms = []
        for move in move_choices(self.roles, card):
            key = (card.stage, move["stage"])
            label = self.labels.get(key) or self.labels.setdefault(key, escape(str(move["label"])))
            forms.append(
                f'{opening}<input type="hidden" name="to_stage" value="{escape(move["stage"])}">'
                f'{"" if move["confirm"] else CONFIRMED_INPUT}'
                f'<button type="submit" class="btn btn-sm {escape(move["button"])}" aria-label="{label}: {title}">'
                f'{label}{"…" if move["confirm"] else ""}</button></form>'
            )
        return "\n".join(forms)  # the buttons are inline blocks: a space between them, as the template's lines gave


class MyInnovationsView(InnovationPage):
    template_name = "innovations/innovation_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        innovations = selectors.my_innovations(self.cluster, self.roles).select_related("origin_organization")
        page = paginate(self.request, innovations.order_by("-stage_changed_at", "-pk"))
        context.update(page_obj=page, innovations=page.object_list,
                       can_propose=permissions.can_propose(self.roles))
        return context


# --- The innovation page --------------------------------------------------------------------

class InnovationDetailView(InnovationPage):
    template_name = "innovations/innovation_detail.html"

    def get_context_data(self, **kwargs):
        roles, cluster = self.roles, self.cluster
        # With its review round's figures, for the moves' guards and the reviews section, and
        # whether the reader is one of its authors (permissions.is_author).
        innovation = self.load_innovation(queryset=with_round_figures(
            cluster, permissions.with_authorship(cluster, roles, permissions.visible_innovations(cluster, roles))))
        context = super().get_context_data(**kwargs)
        # Read once for the whole page: the blind-review rule, the moves' guards, the reviews.
        policy = selectors.policy_for(cluster)
        read_figures = functools.partial(round_figures_of, innovation)
        hidden = authors_hidden(self, innovation, policy)
        authors = [] if hidden else list(
            InnovationAuthor.objects.for_cluster(cluster).filter(innovation=innovation)
            .select_related("person__organization"))
        transitions = list(StageTransition.objects.for_cluster(cluster).filter(innovation=innovation)
                           .select_related("actor"))
        attachments = list(InnovationAttachment.objects.for_cluster(cluster).filter(innovation=innovation))
        context.update(
            authors=authors, authors_hidden=hidden,
            subject_field_labels=subject_field_labels(innovation.subject_fields),
            transitions=transitions, attachments=attachments,
            moves=move_choices(roles, innovation, cluster=self.cluster, policy=policy, read_figures=read_figures),
            can_edit=permissions.can_edit(roles, innovation),
            can_attach=permissions.can_attach(roles, innovation),
            days_in_stage=max(0, (timezone.now() - innovation.stage_changed_at).days),
        )
        context.update(reviews_views.detail_context(self, innovation, policy=policy, read_figures=read_figures))
        context.update(pilots_views.detail_context(self, innovation))
        return context


# --- Propose and edit -----------------------------------------------------------------------

class InnovationFormMixin:
    template_name = "innovations/innovation_form.html"
    form_class = InnovationForm

    def author_kwargs(self, *, origin, chosen, innovation=None) -> dict:
        """The form's authors offered: those chosen (as sent, else `chosen`), the people of the
        origin organization (as sent, unless editing `innovation`, else `origin`) and of the one
        "Co-authors from" names."""
        data = self.request.POST if self.request.method == "POST" else {}
        people_url = reverse("innovation_author_options", args=[self.cluster.slug])
        if innovation is not None:  # no origin field to send it along, and an editor may not propose
            people_url += f"?origin_organization={origin}&innovation={innovation.pk}"
        if data:
            if innovation is None:
                origin = integer_or_none(data.get("origin_organization")) or origin
            chosen = [integer_or_none(data.get("lead_author")), *map(integer_or_none, data.getlist("co_authors"))]
        organizations = [origin, integer_or_none(data.get("co_author_organization"))]
        return {"people": selectors.author_candidates(self.cluster, organizations=organizations, chosen=chosen),
                "author_organizations": member_selectors.organization_choices(cluster=self.cluster, active_only=True),
                "organizations_url": reverse("organization_options_active", args=[self.cluster.slug]),
                "people_url": people_url}


class AuthorOptionsView(InnovationPage):
    """The `<option>`s of an author select after its organization changed (htmx): the origin
    organization's people for the lead author (`?origin_organization=`), the people of "Co-authors
    from" (`?co_author_organization=`, else the origin's) for the co-authors; the authors already
    chosen in the select (`lead_author`, `co_authors`) stay, chosen. For those who may propose,
    and for those who may edit the innovation of `?innovation=` (an expert co-author, say)."""

    template_name = "innovations/partials/author_options.html"

    def check_cluster_permission(self):
        if permissions.can_propose(self.roles):
            return
        pk = integer_or_none(self.request.GET.get("innovation"))
        if pk is None:
            raise PermissionDenied
        if not permissions.can_edit(self.roles, self.load_innovation(pk)):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        lead = "co_author_organization" not in query
        field = "lead_author" if lead else "co_authors"
        organization = (None if lead else integer_or_none(query.get("co_author_organization"))) or integer_or_none(
            query.get("origin_organization"))
        if organization is not None and not member_selectors.organization_list(cluster=self.cluster).filter(
                pk=organization).exists():
            raise Http404
        chosen = [pk for pk in map(integer_or_none, query.getlist(field)) if pk]
        people = selectors.author_candidates(self.cluster, organizations=[organization], chosen=chosen)
        context.update(lead=lead, chosen=set(chosen), choices=people_choices(people))
        return context


class InnovationCreateView(InnovationFormMixin, InnovationActionView):
    def check_cluster_permission(self):
        if not permissions.can_propose(self.roles):
            raise PermissionDenied

    def load(self):
        pass

    def get_form_kwargs(self):
        may_propose_for = None if self.roles.is_coordinator else set(self.roles.organization_roles)
        organizations = _organizations(self.cluster, may_propose_for)
        initial = {}
        if len(only := organizations[:2]) == 1:
            initial["origin_organization"] = only[0].pk
        me = Person.objects.for_cluster(self.cluster).filter(user=self.request.user, is_active=True).first()
        if me is not None:
            initial["lead_author"] = me.pk
        return {"organizations": organizations, "initial": initial,
                "origin_url": reverse("organization_options_active", args=[self.cluster.slug])
                if may_propose_for is None else "",
                **self.author_kwargs(origin=initial.get("origin_organization"), chosen=[initial.get("lead_author")])}

    def perform(self, form):
        return services.innovation_propose(cluster=self.cluster, actor=self.request.user, **form.service_data())

    def get_success_message(self):
        return _("%(title)s was proposed. A coordinator assigns the experts who review it.") % {
            "title": self.object.localized_title}

    def get_success_url(self):
        return reverse("innovation_detail", args=[self.cluster.slug, self.object.pk])


class InnovationEditView(InnovationFormMixin, InnovationActionView):
    def load_target(self):
        self.require(permissions.can_edit(self.roles, self.innovation))

    def get_form_kwargs(self):
        author_ids = list(InnovationAuthor.objects.for_cluster(self.cluster).filter(innovation=self.innovation)
                          .values_list("person_id", flat=True))
        return {"initial": InnovationForm.initial_for(self.innovation, author_ids),
                **self.author_kwargs(origin=self.innovation.origin_organization_id, chosen=author_ids,
                                     innovation=self.innovation)}

    def perform(self, form):
        return services.innovation_update(cluster=self.cluster, actor=self.request.user,
                                          innovation_id=self.innovation.pk, **form.service_data())

    def get_success_message(self):
        return _("%(title)s was saved.") % {"title": self.object.localized_title}


# --- Stage moves ----------------------------------------------------------------------------

class InnovationTransitionView(InnovationActionView):
    """GET ?to=<stage>: the confirmation page with the comment box (without `to`: the moves).
    POST: with `confirmed` the move is made through the service, whose refusal is shown here
    with 422; without it (the board's buttons of moves that need a confirmation) the
    confirmation page is shown first. `next` (a local URL, the board) is where a made move
    returns to."""

    template_name = "innovations/innovation_transition.html"
    form_class = TransitionForm

    def load_target(self):
        self.require(permissions.can_steer(self.roles, self.innovation))
        self.moves = move_choices(self.roles, self.innovation)
        wanted = self.request.POST.get("to_stage") or self.request.GET.get("to")
        self.move = next((move for move in self.moves if move["stage"] == wanted), None)
        self.wanted = wanted

    def get_form_kwargs(self):
        return {"reason_required": bool(self.move and self.move["reason_required"]),
                "initial": {"to_stage": self.move["stage"] if self.move else "",
                            "expected_stage": self.innovation.stage}}

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.get_form(request.POST)
        if not request.POST.get("confirmed"):
            # Asked from the board for a move that needs a confirmation: show it, change nothing.
            form = TransitionForm(reason_required=bool(self.move and self.move["reason_required"]), initial={
                "to_stage": request.POST.get("to_stage", ""),
                "expected_stage": request.POST.get("expected_stage") or self.innovation.stage,
                "comment": request.POST.get("comment", "")})
            return self.render_to_response(self.get_context_data(form=form))
        if form.is_valid():
            try:
                self.object = services.innovation_transition(
                    cluster=self.cluster, actor=request.user, innovation_id=self.innovation.pk,
                    to_stage=form.cleaned_data["to_stage"], comment=form.cleaned_data["comment"],
                    expected_stage=form.cleaned_data["expected_stage"] or None)
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(request, _("%(title)s is now %(stage)s.") % {
                    "title": self.object.localized_title, "stage": str(self.object.get_stage_display()).lower()})
                return redirect_back(request, self.innovation_url())
        else:
            form.add_error(None, _("Choose one of the moves offered for this innovation."))
        # The row may have moved meanwhile: show its stage and moves as they are now.
        self.load()
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        context.update(moves=self.moves, move=self.move, next_url=next_url if next_url.startswith("/") and
                       not next_url.startswith("//") else "",
                       wanted_label=Stage(self.wanted).label if self.wanted in Stage.values else "")
        return context


# --- Attachments ----------------------------------------------------------------------------

# services.attachment_add stores the file outside the database and must run outside any
# transaction of the caller: never wrap this request in one.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class AttachmentUploadView(InnovationActionView):
    template_name = "innovations/innovation_attachments.html"
    form_class = AttachmentForm

    def load_target(self):
        self.require(permissions.can_attach(self.roles, self.innovation))

    def get_form(self, data=None):
        if data is None:
            return self.form_class()
        return self.form_class(data, self.request.FILES)

    def perform(self, form):
        return services.attachment_add(cluster=self.cluster, actor=self.request.user,
                                       innovation_id=self.innovation.pk, **form.service_data())

    def get_success_message(self):
        return _("%(name)s was attached.") % {"name": self.object.original_name}

    def get_success_url(self):
        return self.innovation_url("#attachments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            attachments=list(InnovationAttachment.objects.for_cluster(self.cluster).filter(innovation=self.innovation)),
            can_remove=permissions.can_edit(self.roles, self.innovation))
        return context


class AttachmentRemoveView(InnovationActionView):
    template_name = "innovations/attachment_remove.html"
    form_class = ConfirmForm

    def load(self):
        try:
            self.attachment = selectors.visible_attachment(self.cluster, self.roles, self.kwargs["pk"])
        except InnovationAttachment.DoesNotExist:
            raise Http404
        self.load_innovation(self.attachment.innovation_id)
        self.require(permissions.can_edit(self.roles, self.innovation))

    def perform(self, form):
        services.attachment_remove(cluster=self.cluster, actor=self.request.user, attachment_id=self.attachment.pk)
        return self.attachment

    def get_success_message(self):
        return _("%(name)s was removed.") % {"name": self.attachment.original_name}

    def get_success_url(self):
        return self.innovation_url("#attachments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachment"] = self.attachment
        return context


class AttachmentDownloadView(InnovationPage):
    """GET only; an attachment of an innovation the reader may not see is 404, as one of
    another cluster."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        try:
            attachment = selectors.visible_attachment(self.cluster, self.roles, self.kwargs["pk"])
        except InnovationAttachment.DoesNotExist:
            raise Http404
        return attachment_file_response(attachment)


urlpatterns = [
    path("", InnovationListView.as_view(), name="innovation_list"),
    path("origins/", OriginOptionsView.as_view(), name="innovation_origin_options"),
    path("board/", InnovationBoardView.as_view(), name="innovation_board"),
    path("new/", InnovationCreateView.as_view(), name="innovation_create"),
    path("new/authors/", AuthorOptionsView.as_view(), name="innovation_author_options"),
    path("mine/", MyInnovationsView.as_view(), name="innovation_mine"),
    path("<int:pk>/", InnovationDetailView.as_view(), name="innovation_detail"),
    path("<int:pk>/edit/", InnovationEditView.as_view(), name="innovation_edit"),
    path("<int:pk>/transition/", InnovationTransitionView.as_view(), name="innovation_transition"),
    path("<int:pk>/attachments/", AttachmentUploadView.as_view(), name="innovation_attachments"),
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="innovation_attachment_download"),
    path("attachments/<int:pk>/remove/", AttachmentRemoveView.as_view(), name="innovation_attachment_remove"),
]


def detail_context(view, innovation) -> dict:
    """What this part adds to the innovation page's context (core builds the page itself)."""
    return {}
