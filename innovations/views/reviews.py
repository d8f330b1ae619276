"""Browser pages of innovations: reviews (see innovations/views/__init__.py).

- innovation_experts: the coordinator assigns and withdraws experts; each expert's open
  reviews, overdue ones and subject fields; the suggested experts first.
- review_withdraw: confirms taking back an unsubmitted assignment.
- innovation_consensus: the coordinator starts the consensus step (the spread is shown).
- review_queue: an expert's assigned and submitted reviews; coordinators and authorities also
  every open review of the cluster, each with its overdue flag.
- review_form: the expert's review (save a draft, submit, revise during the consensus step);
  any other reader of the review sees it read-only, as much of it as permissions.review_access
  allows. Blind review hides the authors (and the origin, which names them as well).
- review_policy: the cluster's review rules (coordinators).
- expert_list: the experts and their subject fields; coordinators edit anyone's, an expert their own.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.forms import BootstrapFormMixin, ConfirmForm, DATE_WIDGET
from members.views.base import ServiceFormView, paginate

from .. import permissions, review_selectors, selectors, services
from ..models import CRITERIA, ExpertReview, InnovationAttachment, InnovationAuthor, InnovationPolicy, SubjectField, Stage
from ..services.lifecycle import needs_consensus, round_figures
from .base import InnovationActionView, InnovationPage

Status = ExpertReview.Status
SCORE_CHOICES = [
    (1, gettext_lazy("1 · very weak")),
    (2, gettext_lazy("2 · weak")),
    (3, gettext_lazy("3 · adequate")),
    (4, gettext_lazy("4 · good")),
    (5, gettext_lazy("5 · excellent")),
]
CRITERION_HELP = {
    "novelty": gettext_lazy("How new is it for the schools of the region?"),
    "relevance": gettext_lazy("Does it answer a real need of pupils, teachers or schools?"),
    "feasibility": gettext_lazy("Can ordinary schools carry it out with their people and means?"),
    "evidence": gettext_lazy("How well is its effect shown (data, trials, observations)?"),
    "transferability": gettext_lazy("Can other members take it up without its authors?"),
}


# --- Forms: shape only; the rules are the services' ------------------------------------------------



class AssignForm(BootstrapFormMixin, forms.Form):
    expert = forms.TypedChoiceField(label=gettext_lazy("Expert"), coerce=int)
    due_date = forms.DateField(label=gettext_lazy("Deadline"), required=False, widget=DATE_WIDGET,
                               help_text=gettext_lazy("Leave empty for the cluster's usual time to review."))

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [("", _("Choose an expert"))] + [
            (user.pk, _("%(name)s · %(open)s open reviews") % {"name": user.name, "open": user.open_reviews})
            for user in sorted(experts, key=lambda user: (user.name.lower(), user.pk))
        ]


class ReviewForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(choices=[("save", "save"), ("submit", "submit"), ("revise", "revise")],
                               widget=forms.HiddenInput, required=False)
    recommendation = forms.ChoiceField(
        label=gettext_lazy("Recommendation"), required=False, widget=forms.RadioSelect,
        choices=ExpertReview.Recommendation.choices)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Required when you recommend a revision or a rejection: the authors read it."))
    confirm = forms.BooleanField(
        label=gettext_lazy("My review is final: submit it."), required=False,
        help_text=gettext_lazy("After submitting you cannot change it, except during a consensus step."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        criteria = {}
        for name in CRITERIA:
            criteria[name] = forms.TypedChoiceField(
                label=ExpertReview._meta.get_field(name).verbose_name.capitalize(), required=False, coerce=int,
                empty_value=None, choices=SCORE_CHOICES, widget=forms.RadioSelect, help_text=CRITERION_HELP[name])
        self.fields = {**criteria, **self.fields}
        self.style_fields()

    def criteria_fields(self):
        return [self[name] for name in CRITERIA]

    def review_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (*CRITERIA, "recommendation", "comment")}


class PolicyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = InnovationPolicy
        fields = list(services.reviews.POLICY_FIELDS)


class ExpertFieldsForm(BootstrapFormMixin, forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    subject_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Subject fields"), required=False, choices=SubjectField.choices,
        widget=forms.CheckboxSelectMultiple)


# --- Assigning experts ---------------------------------------------------------------------------

class ExpertsView(InnovationActionView):
    """The assignment page of one innovation (coordinators)."""

    template_name = "innovations/expert_assign.html"
    form_class = AssignForm

    def load_target(self):
        self.require(permissions.can_run_review(self.roles, self.innovation))
        # One query: every suitable expert, best suited first.
        self.candidates = list(review_selectors.expert_candidates(self.cluster, self.innovation))

    def get_form_kwargs(self):
        return {"experts": self.candidates}

    def perform(self, form):
        return services.expert_assign(cluster=self.cluster, actor=self.request.user, innovation_id=self.innovation.pk,
                                      expert_id=form.cleaned_data["expert"], due_date=form.cleaned_data["due_date"])

    def get_success_message(self):
        return _("The expert is assigned; the deadline is %(date)s.") % {
            "date": self.object.due_date.strftime("%Y-%m-%d")}

    def get_success_url(self):
        return reverse("innovation_experts", args=[self.cluster.slug, self.innovation.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            assignments=list(review_selectors.assignments(cluster=self.cluster, innovation=self.innovation)),
            suggestions=self.candidates[:5],
            assignment_round=review_selectors.assignment_round(self.innovation),
            can_assign=self.innovation.stage in review_selectors.ASSIGNABLE_STAGES,
            policy=selectors.policy_for(self.cluster),
            subject_labels=dict(SubjectField.choices),
        )
        return context


class ReviewPage(InnovationPage):
    """A page about one review the reader may see (permissions.review_scope); any other is 404."""

    review = None

    def load_review(self) -> ExpertReview:
        try:
            self.review = (
                review_selectors.with_overdue(permissions.review_scope(self.cluster, self.roles))
                .select_related("innovation__origin_organization", "expert").get(pk=self.kwargs["pk"])
            )
        except (ExpertReview.DoesNotExist, ValueError, TypeError):
            raise Http404
        self.innovation = self.review.innovation
        return self.review


class ReviewWithdrawView(ReviewPage, ServiceFormView):
    template_name = "innovations/review_withdraw.html"
    form_class = ConfirmForm

    def load(self):
        self.load_review()
        self.require(permissions.can_run_review(self.roles, self.innovation))

    def perform(self, form):
        return services.expert_withdraw(cluster=self.cluster, actor=self.request.user, review_id=self.review.pk)

    def get_success_message(self):
        return _("The assignment was withdrawn.")

    def get_success_url(self):
        return reverse("innovation_experts", args=[self.cluster.slug, self.innovation.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review=self.review, expert_name=_name(self.cluster, self.review.expert))
        return context


def _name(cluster, user) -> str:
    person = user.people.filter(cluster=cluster).only("full_name").first()
    return person.full_name if person else (user.get_full_name() or user.username)


# --- The consensus step --------------------------------------------------------------------------

class ConsensusView(InnovationActionView):
    template_name = "innovations/review_consensus.html"
    form_class = ConfirmForm

    def load_target(self):
        self.require(permissions.can_run_review(self.roles, self.innovation))

    def perform(self, form):
        return services.consensus_start(cluster=self.cluster, actor=self.request.user,
                                        innovation_id=self.innovation.pk)

    def get_success_message(self):
        return _("The consensus step has started: the reviewers now see each other's reviews and may revise theirs.")

    def get_success_url(self):
        return self.innovation_url("#reviews")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = selectors.policy_for(self.cluster)
        figures = round_figures(self.cluster, self.innovation)
        context.update(policy=policy, figures=figures,
                       refusal=services.consensus_refusal(self.innovation, figures, policy))
        return context


# --- The queue -----------------------------------------------------------------------------------

class ReviewQueueView(InnovationPage):
    """Tabs: "open" and "submitted" (the expert's own), "all" (every open review of the cluster,
    for coordinators and authorities)."""

    template_name = "innovations/review_queue.html"
    allowed = permissions.can_see_review_queue

    def tabs(self) -> list[tuple[str, str]]:
        tabs = []
        if self.roles.is_expert:
            tabs += [("open", _("Assigned to me")), ("submitted", _("Submitted by me"))]
        if self.roles.is_coordinator or self.roles.is_authority:
            tabs.append(("all", _("All open reviews")))
        return tabs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tabs = self.tabs()
        keys = [key for key, _label in tabs]
        show = self.request.GET.get("show")
        show = show if show in keys else keys[0]
        reviews = ExpertReview.objects.for_cluster(self.cluster)
        if show == "all":
            reviews = reviews.filter(status=Status.ASSIGNED).order_by("due_date", "pk")
        elif show == "open":
            reviews = reviews.filter(expert=self.request.user, status=Status.ASSIGNED).order_by("due_date", "pk")
        else:
            reviews = reviews.filter(expert=self.request.user, status=Status.SUBMITTED).order_by("-submitted_at", "-pk")
        page = paginate(self.request, review_selectors.review_queue(cluster=self.cluster, queryset=reviews))
        context.update(tabs=tabs, show=show, page_obj=page, reviews=page.object_list, today=timezone.localdate())
        return context


# --- The review form -----------------------------------------------------------------------------

class ReviewFormView(ReviewPage, ServiceFormView):
    template_name = "innovations/review_form.html"
    form_class = ReviewForm

    def load(self):
        self.load_review()
        review, innovation = self.review, self.innovation
        own = permissions.can_review(self.roles, review)
        self.mode = "read"
        if own and review.status == Status.ASSIGNED:
            self.mode = "draft"
        elif (own and review.status == Status.SUBMITTED and innovation.stage == Stage.IN_REVIEW
              and innovation.consensus_started_at is not None and review.round == innovation.review_round):
            self.mode = "revise"
        self.policy = selectors.policy_for(self.cluster)

    def get_form(self, data=None):
        initial = {name: getattr(self.review, name) for name in (*CRITERIA, "recommendation", "comment")}
        return ReviewForm(data, initial=initial)

    def post(self, request, *args, **kwargs):
        self.load()
        if self.mode == "read":
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        action = self.request.POST.get("action") or "save"
        self.action = action
        kwargs = dict(cluster=self.cluster, actor=self.request.user, review_id=self.review.pk, **form.review_data())
        if self.mode == "revise":
            return services.review_revise(**kwargs)
        if action == "submit":
            if not form.cleaned_data.get("confirm"):
                raise ValidationError(self._errors_of_submitting(kwargs))
            return services.review_submit(**kwargs)
        return services.review_save(**kwargs)

    @staticmethod
    def _errors_of_submitting(kwargs) -> dict:
        """Without the confirmation, every other reason the submission would be refused too, at
        once: the service runs in a savepoint rolled back whatever it finds."""
        errors = {"confirm": [_("Tick the box to confirm that your review is final.")]}
        with transaction.atomic():
            try:
                services.review_submit(**kwargs)
            except ValidationError as error:
                for field, reasons in error.message_dict.items():
                    errors.setdefault(field, []).extend(reasons)
            transaction.set_rollback(True)
        return errors

    def get_success_message(self):
        if self.mode == "revise":
            return _("Your revised review is saved.")
        if self.action == "submit":
            return _("Your review is submitted. Thank you.")
        return _("Your draft is saved.")

    def get_success_url(self):
        if self.mode == "draft" and self.action != "submit":
            return reverse("review_form", args=[self.cluster.slug, self.review.pk])
        return reverse("review_queue", args=[self.cluster.slug])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        innovation = self.innovation
        hidden = permissions.authors_hidden_from(self.roles, innovation, self.policy)
        access = permissions.review_access(self.roles, self.review, self.policy)
        context.update(
            review=self.review, mode=self.mode, access=access, authors_hidden=hidden,
            expert_name=_name(self.cluster, self.review.expert) if access["reviewer"] else "",
            authors=[] if hidden else list(
                InnovationAuthor.objects.for_cluster(self.cluster).filter(innovation=innovation)
                .select_related("person__organization")),
            attachments=list(InnovationAttachment.objects.for_cluster(self.cluster).filter(innovation=innovation)
                             .only("pk", "original_name", "size", "description", "uploaded_at", "innovation_id")),
            subject_labels=[SubjectField(value).label for value in innovation.subject_fields
                            if value in SubjectField.values],
            scores=[(ExpertReview._meta.get_field(name).verbose_name, getattr(self.review, name)) for name in CRITERIA],
        )
        return context


# --- The policy and the experts ------------------------------------------------------------------

class PolicyView(InnovationPage, ServiceFormView):
    template_name = "innovations/review_policy.html"
    form_class = PolicyForm

    def load(self):
        self.require(self.roles.is_coordinator)
        self.policy = selectors.policy_for(self.cluster)

    def get_form(self, data=None):
        # A copy: the form's own validation must not change the row the service writes.
        current = InnovationPolicy(cluster=self.cluster, **{
            name: getattr(self.policy, name) for name in services.reviews.POLICY_FIELDS})
        return PolicyForm(data, instance=current)

    def perform(self, form):
        return services.policy_update(cluster=self.cluster, actor=self.request.user, **{
            name: form.cleaned_data[name] for name in services.reviews.POLICY_FIELDS})

    def get_success_message(self):
        return _("The review policy is saved.")

    def get_success_url(self):
        return reverse("review_policy", args=[self.cluster.slug])


class ExpertListView(InnovationPage):
    """Coordinators and authorities see every expert; an expert sees (and edits) their own row."""

    template_name = "innovations/expert_list.html"
    allowed = permissions.can_see_review_queue

    def experts(self):
        experts = review_selectors.experts_with_load(self.cluster).order_by("name", "pk")
        if not (self.roles.is_coordinator or self.roles.is_authority):
            experts = experts.filter(pk=self.request.user.pk)
        return experts

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(self.request, self.experts())
        labels = dict(SubjectField.choices)
        rows = []
        for user in page.object_list:
            user.field_labels = [labels[value] for value in user.subject_fields if value in labels]
            rows.append({
                "user": user,
                "can_edit": permissions.can_set_expert_profile(self.roles, user.pk),
                "form": kwargs.get("failed_form") if kwargs.get("failed_user") == user.pk else ExpertFieldsForm(
                    initial={"user": user.pk, "subject_fields": user.subject_fields}, auto_id=f"id_{user.pk}_%s"),
            })
        context.update(page_obj=page, rows=rows)
        return context

    def post(self, request, *args, **kwargs):
        form = ExpertFieldsForm(request.POST)
        user_id = None
        if form.is_valid():
            user_id = form.cleaned_data["user"]
            try:
                services.expert_profile_set(cluster=self.cluster, actor=request.user, user_id=user_id,
                                            subject_fields=form.cleaned_data["subject_fields"])
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(request, _("The subject fields are saved."))
                return redirect(request.get_full_path())
        form.auto_id = f"id_{user_id}_%s"
        context = self.get_context_data(failed_form=form, failed_user=user_id)
        context["form_errors"] = form.errors
        return self.render_to_response(context, status=422)


urlpatterns = [
    path("<int:pk>/experts/", ExpertsView.as_view(), name="innovation_experts"),
    path("<int:pk>/consensus/", ConsensusView.as_view(), name="innovation_consensus"),
    path("reviews/", ReviewQueueView.as_view(), name="review_queue"),
    path("reviews/<int:pk>/", ReviewFormView.as_view(), name="review_form"),
    path("reviews/<int:pk>/withdraw/", ReviewWithdrawView.as_view(), name="review_withdraw"),
    path("review-policy/", PolicyView.as_view(), name="review_policy"),
    path("experts/", ExpertListView.as_view(), name="expert_list"),
]


# --- The reviews section of the innovation page ------------------------------------------------------

def detail_context(view, innovation, *, policy=None, read_figures=None) -> dict:
    """What this part adds to the innovation page's context: `reviews_section`, read by
    innovations/partials/reviews.html. A fixed number of queries: the policy, the visible
    reviews (with names), the round's figures (the first and the last from the page when it
    read them already)."""
    roles, cluster = view.roles, view.cluster
    policy = policy or selectors.policy_for(cluster)
    read_figures = read_figures or (lambda: round_figures(cluster, innovation))
    reviews = list(review_selectors.with_overdue(review_selectors.with_expert_name(
        permissions.reviews_visible_to(cluster, roles, innovation), cluster)).order_by("-round", "assigned_at", "pk"))
    rows = []
    for review in reviews:
        access = permissions.review_access(roles, review, policy)
        rows.append({
            "review": review, "access": access,
            "scores": [getattr(review, name) for name in CRITERIA] if access["scores"] else [],
            "mean": review.mean_score if access["scores"] else None,
        })
    coordinator = permissions.can_run_review(roles, innovation)
    figures = read_figures() if reviews or coordinator else None
    current = [row for row in rows if row["review"].round == innovation.review_round
               and row["review"].status == Status.SUBMITTED]
    # The round's mean and spread, to those who see every submitted review's scores of the round.
    shows_figures = figures is not None and figures.submitted > 0 and len(current) == figures.submitted and all(
        row["access"]["scores"] for row in current)
    return {"reviews_section": {
        "rows": rows,
        "criteria": [ExpertReview._meta.get_field(name).verbose_name for name in CRITERIA],
        "figures": figures if shows_figures else None,
        "policy": policy,
        "consensus_on": innovation.stage == Stage.IN_REVIEW and innovation.consensus_started_at is not None,
        "consensus_needed": bool(figures) and innovation.stage == Stage.IN_REVIEW and needs_consensus(
            figures, policy, innovation),
        "can_assign": coordinator and innovation.stage in review_selectors.ASSIGNABLE_STAGES,
        "can_start_consensus": coordinator and innovation.stage == Stage.IN_REVIEW
        and innovation.consensus_started_at is None,
        "show": bool(rows) or coordinator,
    }}
