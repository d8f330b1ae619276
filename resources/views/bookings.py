"""Booking requests, "my requests", "requests to approve", the booking page and the decisions.

Approve, decline and cancel are POST endpoints that answer an htmx request with the replaced
table row (plus an announcement for screen readers) and a plain form post with a redirect back,
so the lists work with and without JavaScript. Cancel also has a confirmation page (GET).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.forms import integer_or_none
from members.views.base import ServiceFormView, paginate, redirect_back

from .. import availability, permissions, selectors, services
from ..forms import BOOKING_STATUS_ALL, BookingFilterForm, BookingRequestForm, DeclineForm
from ..models import Booking
from .base import ResourcePage

Status = Booking.Status
FREE_SLOT_DAYS = 7
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _slot_label(start, end) -> str:
    local_start, local_end = availability.local(start), availability.local(end)
    if availability.within_one_day(start, end):
        return f"{local_start:%H:%M}–{local_end:%H:%M}"
    if local_end.time() == datetime.time.min and local_end.date() == local_start.date() + datetime.timedelta(days=1):
        return f"{local_start:%H:%M}–24:00"
    return availability.format_period(start, end)


def _input_value(moment) -> str:
    """A moment as a datetime-local input wants it, in local time."""
    return availability.local(moment).strftime(INPUT_FORMAT)


def free_slot_days(slots) -> list[dict]:
    """Free (start, end) pairs grouped by the local day they begin on, each with its label and
    the values that prefill the request form."""
    days: dict = {}
    for start, end in slots:
        days.setdefault(availability.local(start).date(), []).append({
            "label": _slot_label(start, end), "start": _input_value(start), "end": _input_value(end)})
    return [{"date": day, "slots": labels} for day, labels in days.items()]


def booking_actions(roles, bookings) -> list[dict]:
    """Each booking with the actions these roles have on it. The manage grants of every
    resource of the page are read in one query first (granted_resource_ids remembers them)."""
    bookings = list(bookings)
    permissions.granted_resource_ids(roles, [item.resource for b in bookings for item in b.items.all()])
    return [{
        "booking": booking,
        "can_decide": booking.status == Status.REQUESTED and permissions.can_decide(roles, booking),
        "can_cancel": permissions.can_cancel_now(roles, booking),
    } for booking in bookings]


class BookingRequestView(ResourcePage, ServiceFormView):
    template_name = "resources/booking_request.html"
    form_class = BookingRequestForm

    def check_cluster_permission(self):
        super().check_cluster_permission()
        self.require(permissions.can_request(self.roles))

    def load(self):
        # The form shows names only: no hours or photos of this resource or of the owner's
        # others (the free time below reads the hours and closed dates it needs), and no
        # parties of the agreements, which are matched to the requesting organizations in SQL.
        self.load_resource(selectors.resource_brief)
        self.organizations = selectors.requester_organizations(self.cluster, self.roles)
        self.extra = list(
            selectors.resource_list(cluster=self.cluster, filters={"owner": self.resource.owner_id})
            .exclude(pk=self.resource.pk).select_related(None).prefetch_related(None).only("pk", "name")
            .order_by("name", "pk")
        )

    def get_form_kwargs(self):
        # A free slot's link prefills the times (well-formed values only; the form checks them).
        initial = {}
        for name in ("start", "end"):
            value = self.request.GET.get(name, "")
            try:
                datetime.datetime.strptime(value, INPUT_FORMAT)
            except ValueError:
                continue
            initial[name] = value
        # The requesting organization as sent, else the only one the user may request for (which
        # the form offers chosen).
        if self.request.method == "POST":
            requester = integer_or_none(self.request.POST.get("requester"))
        else:
            only = list(self.organizations[:2])
            requester = only[0].pk if len(only) == 1 else None
        return {"organizations": self.organizations, "extra_resources": self.extra, "initial": initial,
                "organizations_url": reverse("organization_options_active", args=[self.cluster.slug])
                if self.roles.is_coordinator else "",
                "agreements": selectors.requester_agreements(self.cluster, self.roles, requester) or [],
                "agreements_url": reverse("booking_request_agreements", args=[self.cluster.slug, self.resource.pk])}

    def perform(self, form):
        return services.booking_request(cluster=self.cluster, actor=self.request.user,
                                        **form.service_data(self.resource))

    def get_success_message(self):
        return _("Your request for %(resource)s at %(period)s was sent to its managers.") % {
            "resource": self.resource.name,
            "period": availability.format_period(self.object.period.lower, self.object.period.upper)}

    def get_success_url(self):
        return reverse("booking_detail", args=[self.cluster.slug, self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # From the next quarter of an hour: 10:45, not 10:37.
        now = timezone.now().replace(second=0, microsecond=0)
        now += datetime.timedelta(minutes=-now.minute % 15)
        until = availability.day_start(timezone.localdate() + datetime.timedelta(days=FREE_SLOT_DAYS + 1))
        context["free_days"] = free_slot_days(
            selectors.free_slots(cluster=self.cluster, resource=self.resource, start=now, end=until))
        context["free_slot_days"] = FREE_SLOT_DAYS
        return context



class BookingAgreementOptionsView(BookingRequestView):
    """The `<option>`s of the booking form's agreement select once a requesting organization is
    chosen in it (`?requester=<id>`, htmx): that organization's active agreements."""

    template_name = "resources/partials/agreement_options.html"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        requester = integer_or_none(request.GET.get("requester"))
        self.load_resource(selectors.resource_brief)
        # Only the organization asked about: a coordinator may request for thousands.
        agreements = selectors.requester_agreements(self.cluster, self.roles, requester)
        if agreements is None:
            raise Http404
        return self.render_to_response({"agreements": agreements})


class BookingListPage(ResourcePage):
    template_name = "resources/booking_list.html"
    default_status = BOOKING_STATUS_ALL
    list_name = ""

    def bookings(self, status):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = BookingFilterForm(self.request.GET if "status" in self.request.GET else None,
                                 default=self.default_status)
        status = form.selected_status()
        page = paginate(self.request, self.bookings(status))
        context.update(form=form, status=status, page_obj=page, rows=booking_actions(self.roles, page.object_list),
                       decline_form=DeclineForm(), next_url=self.request.get_full_path(),
                       list_name=self.list_name, can_request=permissions.can_request(self.roles))
        return context


class MyBookingsView(BookingListPage):
    list_name = "mine"

    def bookings(self, status):
        return selectors.booking_list(cluster=self.cluster, roles=self.roles,
                                      filters={"view": "mine", "status": status})


class BookingsToApproveView(BookingListPage):
    list_name = "to_approve"
    default_status = Status.REQUESTED

    def bookings(self, status):
        bookings = selectors.managed_booking_list(cluster=self.cluster, roles=self.roles, status=status)
        if status == Status.REQUESTED:
            return bookings.order_by("created_at", "id")
        return bookings.order_by("-created_at", "-id")


class BookingPage(ResourcePage):
    def load_booking(self) -> Booking:
        try:
            self.booking = selectors.booking_get(cluster=self.cluster, roles=self.roles, pk=self.kwargs["pk"])
        except (Booking.DoesNotExist, ValueError):
            raise Http404
        return self.booking

    def booking_context(self, booking) -> dict:
        row = booking_actions(self.roles, [booking])[0]
        return {"booking": booking, "row": row, "items": list(booking.items.all())}


class BookingDetailView(BookingPage):
    template_name = "resources/booking_detail.html"

    def get_context_data(self, **kwargs):
        booking = self.load_booking()
        context = super().get_context_data(**kwargs)
        context.update(self.booking_context(booking))
        context.setdefault("decline_form", DeclineForm())
        context.setdefault("next_url", self.request.get_full_path())
        return context


class BookingDecisionView(BookingPage):
    """Base of approve, decline and cancel: the row partial for htmx, a redirect otherwise."""

    http_method_names = ["post"]
    row_template = "resources/partials/booking_row.html"

    def act(self, booking, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        booking = self.load_booking()
        form = DeclineForm(request.POST)
        form.is_valid()
        try:
            self.act(booking, form)
        except ValidationError as error:
            form.apply_service_error(error)
            return self.refused(form)
        return self.done()

    def list_url(self):
        return reverse("booking_detail", args=[self.cluster.slug, self.booking.pk])

    def done(self):
        announcement = self.success_message()
        booking = self.load_booking()
        if self.request.htmx:
            return self.row(booking, DeclineForm(), announcement=announcement)
        messages.success(self.request, announcement)
        return redirect_back(self.request, self.list_url())

    def refused(self, form):
        # Re-read: the service may have refused because someone else decided meanwhile.
        booking = self.load_booking()
        if self.request.htmx:
            return self.row(booking, form, status=422)
        detail_url = reverse("booking_detail", args=[self.cluster.slug, booking.pk])
        context = self.get_context_data(decline_form=form, next_url=detail_url, **self.booking_context(booking))
        return TemplateResponse(self.request, "resources/booking_detail.html", context, status=422)

    def row(self, booking, form, *, announcement="", status=200):
        next_url = self.request.htmx.current_url_abs_path or reverse("booking_mine", args=[self.cluster.slug])
        context = self.get_context_data(row=booking_actions(self.roles, [booking])[0], decline_form=form,
                                        announcement=announcement, next_url=next_url)
        return TemplateResponse(self.request, self.row_template, context, status=status)


class BookingApproveView(BookingDecisionView):
    def act(self, booking, form):
        services.booking_approve(cluster=self.cluster, actor=self.request.user, booking_id=booking.pk)

    def success_message(self):
        return _("The booking of %(requester)s at %(period)s was approved.") % self._values()

    def _values(self):
        return {"requester": self.booking.requester.localized_name,
                "period": availability.format_period(self.booking.period.lower, self.booking.period.upper)}


class BookingDeclineView(BookingApproveView):
    def act(self, booking, form):
        services.booking_decline(cluster=self.cluster, actor=self.request.user, booking_id=booking.pk,
                                 reason=form.cleaned_data.get("reason", ""))

    def success_message(self):
        return _("The booking of %(requester)s at %(period)s was declined.") % self._values()


class BookingCancelView(BookingApproveView):
    """GET: the confirmation page; POST: cancel."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        booking = self.load_booking()
        self.require(permissions.can_cancel(self.roles, booking))
        context = self.get_context_data(**self.booking_context(booking), next_url=request.GET.get("next", ""))
        return TemplateResponse(request, "resources/booking_cancel.html", context)

    def act(self, booking, form):
        services.booking_cancel(cluster=self.cluster, actor=self.request.user, booking_id=booking.pk)

    def success_message(self):
        return _("The booking at %(period)s was cancelled.") % self._values()

