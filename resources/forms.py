"""Browser forms of the resources app.

Forms check the shape of the input only; the rules (who may do what, valid terms and prices,
which bookings are refused and why) live in resources.services, whose ValidationErrors the
views map back onto these forms with `apply_service_error`.
"""

from __future__ import annotations


from django import forms
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import (BootstrapFormMixin, DATE_WIDGET, FilterFormMixin, offer_choices,
                                   reload_options_on_change)

from . import availability, photos
from .models import Resource

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _with_blank(label, choices):
    return [("", label), *choices]


# --- The catalogue ----------------------------------------------------------------------

RESOURCE_SORTS = {
    "name": ["name", "pk"],
    "-name": ["-name", "-pk"],
    "capacity": ["capacity", "name", "pk"],
    "-capacity": ["-capacity", "name", "pk"],
    "owner": ["owner__name", "name", "pk"],
    "kind": ["kind", "name", "pk"],
}
RESOURCE_SORT_LABELS = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-capacity", _("Capacity, largest first")),
    ("capacity", _("Capacity, smallest first")),
    ("owner", _("Owner")),
    ("kind", _("Kind")),
]


class ResourceFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or description")}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_with_blank(_("All kinds"), Resource.Kind.choices))
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    terms = forms.ChoiceField(label=_("Terms"), required=False, choices=[
        ("", _("Free or paid")), ("free", _("Free")), ("paid", _("Cost recovery (paid)"))])
    start = forms.DateTimeField(label=_("Free from"), required=False, widget=datetime_widget(),
                                input_formats=DATETIME_FORMATS)
    end = forms.DateTimeField(label=_("Free until"), required=False, widget=datetime_widget(),
                              input_formats=DATETIME_FORMATS)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=RESOURCE_SORT_LABELS)

    def __init__(self, *args, organizations=(), organizations_url="", **kwargs):
        """`organizations`: the owners to filter by, searched through `organizations_url` when
        long (cluster_platform.forms.offer_choices)."""
        super().__init__(*args, **kwargs)
        offer_choices(self, "owner", organizations, blank=_("All owners"), search_url=organizations_url)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if start and not end:
            self.add_error("end", gettext("Give the end of the time as well."))
        elif end and not start:
            self.add_error("start", gettext("Give the start of the time as well."))
        elif start and end and end <= start:
            self.add_error("end", gettext("The end must be after the start."))
        return cleaned

    def filters(self) -> dict:
        data = self.valid_data()
        filters = {key: data[key] for key in ("q", "kind", "owner", "terms") if data.get(key)}
        if data.get("start") and data.get("end"):
            filters["free_between"] = (data["start"], data["end"])
        return filters

    def ordering(self) -> list[str]:
        return RESOURCE_SORTS.get(self.valid_data().get("sort") or "name", RESOURCE_SORTS["name"])


# --- Register and edit --------------------------------------------------------------------

class ResourceForm(BootstrapFormMixin, forms.Form):
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=_with_blank(_("Choose…"), Resource.Kind.choices))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1, max_value=100000,
                                  help_text=_("The most people who can use it at once."))
    location = forms.CharField(label=_("Location"), required=False, max_length=255,
                               help_text=_("Building, room, address."))
    terms = forms.ChoiceField(label=_("Terms"), choices=Resource.Terms.choices, initial=Resource.Terms.FREE)
    price = forms.DecimalField(label=_("Price (UZS)"), required=False, max_digits=14, decimal_places=2,
                               help_text=_("Required for cost recovery; leave empty when free."))
    price_unit = forms.ChoiceField(label=_("Price per"), required=False,
                                   choices=_with_blank(_("Choose…"), Resource.PriceUnit.choices))
    access = forms.ChoiceField(label=_("Who may book"), choices=Resource.Access.choices,
                               initial=Resource.Access.CLUSTER, widget=forms.RadioSelect)
    always_open = forms.BooleanField(label=_("Open round the clock"), required=False,
                                     help_text=_("For a dormitory or a digital licence: no weekly hours needed."))

    def __init__(self, *args, owners=None, owners_url="", **kwargs):
        """`owners`: the organizations that may own it (searched through `owners_url` when long,
        cluster_platform.forms.offer_choices); None when editing."""
        super().__init__(*args, **kwargs)
        if owners is None:  # editing: the owner never changes; the hours page keeps always_open
            del self.fields["owner"]
            del self.fields["always_open"]
        else:
            offer_choices(self, "owner", owners, blank=_("Choose…"), search_url=owners_url, preselect_single=True)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["price_unit"] = data.get("price_unit") or ""
        if "owner" in data:
            data["owner_id"] = data.pop("owner")
        return data


def _weekday_field_names(weekday: int) -> dict:
    return {"closed": f"day{weekday}_closed", "opens1": f"day{weekday}_opens1", "closes1": f"day{weekday}_closes1",
            "opens2": f"day{weekday}_opens2", "closes2": f"day{weekday}_closes2"}


class OpeningHoursForm(BootstrapFormMixin, forms.Form):
    """The whole week at once: per weekday "closed" or up to two opening intervals."""

    always_open = forms.BooleanField(label=_("Open round the clock"), required=False,
                                     help_text=_("Then the weekly hours below are not used."))

    def __init__(self, *args, hours=(), always_open=False, **kwargs):
        initial = {"always_open": always_open}
        by_day: dict[int, list] = {}
        for interval in hours:
            by_day.setdefault(interval.weekday, []).append(interval)
        for weekday in range(7):
            names = _weekday_field_names(weekday)
            intervals = by_day.get(weekday, [])
            initial[names["closed"]] = not intervals
            for number, interval in enumerate(intervals[:2], start=1):
                initial[names[f"opens{number}"]] = interval.opens
                initial[names[f"closes{number}"]] = interval.closes
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for weekday in range(7):
            names = _weekday_field_names(weekday)
            day = availability.weekday_name(weekday)
            self.fields[names["closed"]] = forms.BooleanField(
                label=gettext("%(day)s: closed") % {"day": day}, required=False)
            for number in (1, 2):
                self.fields[names[f"opens{number}"]] = forms.TimeField(
                    label=gettext("%(day)s: interval %(number)s opens") % {"day": day, "number": number},
                    required=False, widget=TIME_WIDGET)
                self.fields[names[f"closes{number}"]] = forms.TimeField(
                    label=gettext("%(day)s: interval %(number)s closes") % {"day": day, "number": number},
                    required=False, widget=TIME_WIDGET)
        self.style_fields()

    def rows(self) -> list[dict]:
        rows = []
        for weekday in range(7):
            names = _weekday_field_names(weekday)
            rows.append({"weekday": weekday, "day": availability.weekday_name(weekday),
                         **{key: self[name] for key, name in names.items()}})
        return rows

    def clean(self):
        cleaned = super().clean()
        for weekday in range(7):
            names = _weekday_field_names(weekday)
            if cleaned.get(names["closed"]):
                continue
            for number in (1, 2):
                opens, closes = f"opens{number}", f"closes{number}"
                if names[opens] in self.errors or names[closes] in self.errors:
                    continue
                has_opens = cleaned.get(names[opens]) is not None
                has_closes = cleaned.get(names[closes]) is not None
                if has_opens and not has_closes:
                    self.add_error(names[closes], gettext("Give the closing time too."))
                elif has_closes and not has_opens:
                    self.add_error(names[opens], gettext("Give the opening time too."))
        return cleaned

    def service_data(self) -> dict:
        hours = []
        for weekday in range(7):
            names = _weekday_field_names(weekday)
            if self.cleaned_data.get(names["closed"]):
                continue
            for number in (1, 2):
                opens = self.cleaned_data.get(names[f"opens{number}"])
                closes = self.cleaned_data.get(names[f"closes{number}"])
                if opens is not None and closes is not None:
                    hours.append({"weekday": weekday, "opens": opens, "closes": closes})
        return {"hours": hours, "always_open": bool(self.cleaned_data.get("always_open"))}


class ClosedDateForm(BootstrapFormMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255,
                             help_text=_("A holiday, repairs… shown to those who book."))


def photo_size_limit() -> str:
    """The RESOURCE_PHOTO_MAX_BYTES setting for people: "5 MB"."""
    limit = photos.max_photo_bytes()
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1:
        return gettext("%(size)s MB") % {"size": floatformat(megabytes, -1)}
    return filesizeformat(limit)


PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class PhotoForm(BootstrapFormMixin, forms.Form):
    image = forms.FileField(label=_("Photo"), widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT}))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = gettext(
            "JPEG, PNG or WebP, at most %(limit)s. The type is checked by the content of the file."
        ) % {"limit": photo_size_limit()}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class ManagerForm(BootstrapFormMixin, forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=None, empty_label=_("Choose a person"),
                             help_text=_("People with an account at the owner organization."))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people




# --- Bookings -------------------------------------------------------------------------------

class BookingRequestForm(BootstrapFormMixin, forms.Form):
    start = forms.DateTimeField(label=_("Start"), widget=datetime_widget(), input_formats=DATETIME_FORMATS)
    end = forms.DateTimeField(label=_("End"), widget=datetime_widget(), input_formats=DATETIME_FORMATS)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("What the booking is for: the lesson, event or study."))
    participants = forms.IntegerField(label=_("Number of participants"), min_value=1, max_value=100000)
    requester = forms.TypedChoiceField(label=_("Requesting organization"), coerce=int, empty_value=None)
    extra_resources = forms.TypedMultipleChoiceField(
        label=_("Book together with"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("Other resources of the same owner, approved or declined together with this one."))
    agreement = forms.TypedChoiceField(label=_("Agreement"), required=False, coerce=int, empty_value=None,
                                       help_text=_("The active agreement this booking serves, if any."))

    # Where a service error about the booking as a whole is shown.
    ERROR_FIELDS = {"period": "start", "resources": "extra_resources"}

    def __init__(self, *args, organizations=(), organizations_url="", extra_resources=(), agreements=(),
                 agreements_url="", **kwargs):
        """`organizations`: those the user may request for, searched through `organizations_url`
        when long (cluster_platform.forms.offer_choices). `agreements`: the active agreements of
        the requesting organization chosen so far (a coordinator may request for any of
        thousands of members, each party to its own); a change of it asks `agreements_url` for
        its agreements (htmx)."""
        super().__init__(*args, **kwargs)
        offer_choices(self, "requester", organizations, blank=_("Choose…"), search_url=organizations_url,
                      preselect_single=True)
        extra_resources = list(extra_resources)
        if extra_resources:
            self.fields["extra_resources"].choices = [(r.pk, r.name) for r in extra_resources]
        else:
            del self.fields["extra_resources"]
        self.fields["agreement"].choices = _with_blank(
            _("None"), [(a.pk, f"{a.number} · {a.title}") for a in agreements])
        if agreements_url:
            reload_options_on_change(self.fields["requester"], url=agreements_url, target="#id_agreement")

    def apply_service_error(self, error):
        if hasattr(error, "error_dict"):
            moved: dict = {}
            for name, messages in error.message_dict.items():
                target = self.ERROR_FIELDS.get(name, name)
                if target not in self.fields:
                    target = "start" if name == "period" else None
                moved.setdefault(target, []).extend(messages)
            for name, messages in moved.items():
                self.add_error(name, messages)
            return
        super().apply_service_error(error)

    def service_data(self, resource) -> dict:
        data = self.cleaned_data
        return {
            "requester_id": data["requester"],
            "resource_ids": [resource.pk, *[pk for pk in data.get("extra_resources") or [] if pk != resource.pk]],
            "start": data["start"], "end": data["end"], "purpose": data["purpose"],
            "participants": data["participants"], "agreement_id": data.get("agreement"),
        }


BOOKING_STATUS_ALL = "all"


class BookingFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, default=BOOKING_STATUS_ALL, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Booking

        self.default = default
        self.fields["status"].choices = [(BOOKING_STATUS_ALL, _("All statuses")), *Booking.Status.choices]
        self.fields["status"].initial = default

    def selected_status(self) -> str | None:
        """The chosen status, None for all of them."""
        value = self.default
        if self.is_bound and self.is_valid():
            value = self.cleaned_data.get("status") or self.default
        return None if value == BOOKING_STATUS_ALL else value


class DeclineForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


