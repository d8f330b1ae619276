"""Registering and keeping a resource: its details, weekly hours, closed dates, photos,
managers, and archiving. Who may do each is permissions.can_register / can_edit / can_manage;
the services check again."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from cluster_platform.forms import ConfirmForm
from members import selectors as member_selectors
from members.views.base import ServiceFormView

from .. import permissions, selectors, services
from ..forms import ClosedDateForm, ManagerForm, OpeningHoursForm, PhotoForm, ResourceForm
from .base import ResourcePage


class ResourceFormPage(ResourcePage, ServiceFormView):
    """A form about one resource, for those `check` allows."""

    check = staticmethod(permissions.can_manage)

    def load(self):
        self.load_resource()
        self.require(type(self).check(self.roles, self.resource))
        self.load_target()

    def load_target(self):
        """Load the object the form is about (a closed date, a photo)."""

    def get_success_url(self):
        return self.resource_url()


class ResourceCreateView(ResourcePage, ServiceFormView):
    template_name = "resources/resource_form.html"
    form_class = ResourceForm

    def check_cluster_permission(self):
        if not permissions.can_register(self.roles):
            raise PermissionDenied

    def load(self):
        owners = member_selectors.organization_choices(cluster=self.cluster, active_only=True)
        if not self.roles.is_coordinator:
            owners = owners.filter(pk__in=sorted(self.roles.organizations_with("admin")))
        self.owners = owners

    def get_form_kwargs(self):
        return {"owners": self.owners, "owners_url": reverse("organization_options_active", args=[self.cluster.slug])
                if self.roles.is_coordinator else ""}

    def perform(self, form):
        return services.resource_create(cluster=self.cluster, actor=self.request.user, **form.service_data())

    def get_success_message(self):
        if self.object.always_open:
            return _("%(name)s was registered.") % {"name": self.object.name}
        return _("%(name)s was registered. Now give its weekly opening hours, so that it can be booked.") % {
            "name": self.object.name}

    def get_success_url(self):
        if self.object.always_open:
            return reverse("resource_detail", args=[self.cluster.slug, self.object.pk])
        return reverse("resource_hours", args=[self.cluster.slug, self.object.pk])


class ResourceEditView(ResourceFormPage):
    template_name = "resources/resource_form.html"
    form_class = ResourceForm
    check = staticmethod(permissions.can_edit)

    def get_form(self, data=None):
        initial = {field: getattr(self.resource, field) for field in services.RESOURCE_FIELDS}
        return ResourceForm(data, initial=initial)

    def perform(self, form):
        return services.resource_update(cluster=self.cluster, actor=self.request.user,
                                        resource_id=self.resource.pk, **form.service_data())

    def get_success_message(self):
        return _("%(name)s was saved.") % {"name": self.object.name}


class OpeningHoursView(ResourceFormPage):
    template_name = "resources/opening_hours.html"
    form_class = OpeningHoursForm

    def get_form(self, data=None):
        return OpeningHoursForm(data, hours=list(self.resource.opening_hours.all()),
                                always_open=self.resource.always_open)

    def perform(self, form):
        services.opening_hours_set(cluster=self.cluster, actor=self.request.user, resource_id=self.resource.pk,
                                   **form.service_data())
        return self.resource

    def get_success_message(self):
        return _("The opening hours of %(name)s were saved.") % {"name": self.resource.name}

    def get_success_url(self):
        return self.resource_url("#hours")


class ClosedDatesView(ResourceFormPage):
    template_name = "resources/closed_dates.html"
    form_class = ClosedDateForm

    def perform(self, form):
        return services.closed_date_add(cluster=self.cluster, actor=self.request.user,
                                        resource_id=self.resource.pk, **form.cleaned_data)

    def get_success_message(self):
        return _("%(name)s is closed on %(date)s.") % {"name": self.resource.name,
                                                         "date": self.object.date.isoformat()}

    def get_success_url(self):
        return reverse("resource_closed_dates", args=[self.cluster.slug, self.resource.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closed_dates"] = self.resource.closed_dates.all()
        return context


class ClosedDateDeleteView(ResourceFormPage):
    template_name = "resources/closed_date_delete.html"
    form_class = ConfirmForm

    def load_target(self):
        self.closed = next((c for c in self.resource.closed_dates.all() if c.pk == self.kwargs["closed_pk"]), None)
        if self.closed is None:
            raise Http404

    def perform(self, form):
        services.closed_date_remove(cluster=self.cluster, actor=self.request.user, closed_date_id=self.closed.pk)
        return self.resource

    def get_success_message(self):
        return _("%(name)s is no longer closed on %(date)s.") % {"name": self.resource.name,
                                                                   "date": self.closed.date.isoformat()}

    def get_success_url(self):
        return reverse("resource_closed_dates", args=[self.cluster.slug, self.resource.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closed"] = self.closed
        return context


# services.photo_add stores the file outside the database and must run outside any
# transaction of the caller (see its docstring).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PhotoUploadView(ResourceFormPage):
    template_name = "resources/photo_upload.html"
    form_class = PhotoForm

    def get_form(self, data=None):
        if data is None:
            return PhotoForm()
        return PhotoForm(data, self.request.FILES)

    def perform(self, form):
        return services.photo_add(cluster=self.cluster, actor=self.request.user, resource_id=self.resource.pk,
                                  upload=form.cleaned_data["image"], caption=form.cleaned_data.get("caption", ""))

    def get_success_message(self):
        return _("The photo was added.")

    def get_success_url(self):
        return self.resource_url("#photos")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["photos"] = self.resource.photos.all()
        return context


class PhotoDeleteView(ResourceFormPage):
    template_name = "resources/photo_delete.html"
    form_class = ConfirmForm

    def load_target(self):
        self.photo = next((p for p in self.resource.photos.all() if p.pk == self.kwargs["photo_pk"]), None)
        if self.photo is None:
            raise Http404

    def perform(self, form):
        services.photo_remove(cluster=self.cluster, actor=self.request.user, photo_id=self.photo.pk)
        return self.resource

    def get_success_message(self):
        return _("The photo was removed.")

    def get_success_url(self):
        return self.resource_url("#photos")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["photo"] = self.photo
        return context


class ManagersView(ResourceFormPage):
    """Name a person of the owner organization to manage the resource, or remove one (a
    button per person, confirmed first). Both POST here; `action` says which."""

    template_name = "resources/managers.html"
    form_class = ManagerForm
    check = staticmethod(permissions.can_edit)

    def load_target(self):
        self.removing = self.request.method == "POST" and self.request.POST.get("action") == "remove"

    def get_form_kwargs(self):
        if self.removing:
            return {"people": selectors.resource_managers(cluster=self.cluster, resource=self.resource)}
        return {"people": selectors.manager_candidates(cluster=self.cluster, resource=self.resource)}

    def perform(self, form):
        service = services.manager_revoke if self.removing else services.manager_grant
        self.person = form.cleaned_data["user"]
        service(cluster=self.cluster, actor=self.request.user, resource_id=self.resource.pk, user_id=self.person.pk)
        return self.resource

    def get_success_message(self):
        values = {"name": self.person.get_full_name() or self.person.get_username(), "resource": self.resource.name}
        if self.removing:
            return _("%(name)s no longer manages %(resource)s.") % values
        return _("%(name)s now manages %(resource)s.") % values

    def get_success_url(self):
        return reverse("resource_managers", args=[self.cluster.slug, self.resource.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.removing and "form" in context:
            context["remove_errors"] = [error for errors in context["form"].errors.values() for error in errors]
            context["form"] = ManagerForm(
                people=selectors.manager_candidates(cluster=self.cluster, resource=self.resource))
        context["managers"] = selectors.resource_managers(cluster=self.cluster, resource=self.resource)
        return context


class ResourceArchiveView(ResourceFormPage):
    template_name = "resources/resource_archive.html"
    form_class = ConfirmForm
    check = staticmethod(permissions.can_edit)
    archive = True

    def perform(self, form):
        service = services.resource_archive if self.archive else services.resource_restore
        return service(cluster=self.cluster, actor=self.request.user, resource_id=self.resource.pk)

    def get_success_message(self):
        if self.archive:
            return _("%(name)s was archived: it left the catalogue and cannot be booked.") % {"name": self.object.name}
        return _("%(name)s is back in the catalogue.") % {"name": self.object.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["archive"] = self.archive
        return context


class ResourceRestoreView(ResourceArchiveView):
    archive = False
