"""The members API: thin viewsets over the members services and selectors.

The base class resolves the cluster of the URL and the caller's roles (404 for anyone
without a role there). Reads are open to every role in the cluster; each write names its
rule from members.permissions before it reads the body, and the service checks it again
inside its transaction. Objects are always looked up through the cluster-scoped queryset,
so an id from another cluster is a 404 and never reaches a service.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from cluster_platform import lockout
from cluster_platform.api import ClusterScopedViewSet, ListMixin, serializer_columns
from members import permissions, selectors, services
from members.models import MembershipApplication, Organization, Person, SchoolRating

from .filters import ApplicationFilter, OrganizationFilter, PersonFilter, SchoolRatingFilter
from .serializers import (
    ApplicationOut,
    ApplicationRejectIn,
    BrandingIn,
    BrandingOut,
    BrandingUploadIn,
    OrganizationIn,
    OrganizationOut,
    OrganizationProfileIn,
    PersonCreateIn,
    PersonOut,
    PersonUpdateIn,
    SchoolRatingIn,
    SchoolRatingOut,
    StatusChangeIn,
    TokenOut,
)

_ERRORS = {
    400: OpenApiResponse(description=_("The body is invalid; the answer names each field at fault.")),
    403: OpenApiResponse(description=_("Your roles in this cluster do not allow this.")),
    404: OpenApiResponse(description=_("No such object in this cluster.")),
}


def _errors(*codes):
    return {code: _ERRORS[code] for code in codes}


# --- Authentication ------------------------------------------------------------------------------


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for an API token (send it as `Authorization: Token <key>`)."""

    # The endpoint proves identity from the body alone: a stale session cookie or token header
    # must neither be required nor make it fail (no CSRF check on a login form of the API).
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "token"

    @extend_schema(
        tags=["auth"],
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={
            200: TokenOut,
            400: OpenApiResponse(description=_("Unable to log in with the credentials given.")),
            429: OpenApiResponse(description=_("Too many attempts; try again later.")),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        # AuthTokenSerializer passes the request to authenticate(), so django-axes counts the
        # failures per username and address here too. Axes marks DRF's request, which its
        # middleware does not see: the lockout answer (429, Retry-After) is raised here.
        try:
            response = super().post(request, *args, **kwargs)
        except ValidationError:
            if lockout.is_locked_out(request):
                raise lockout.SignInLockedOut(request) from None
            raise
        # As a browser sign-in does (AXES_RESET_ON_SUCCESS): forget this pair's failures.
        lockout.failures_clear(username=request.data.get("username", ""), request=request)
        return response


# --- Organizations ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Member organizations of the cluster")),
    retrieve=extend_schema(summary=_("One member organization"), responses={200: OrganizationOut, **_errors(404)}),
)
@extend_schema(tags=["organizations"])
class OrganizationViewSet(ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = Organization
    serializer_class = OrganizationOut
    filterset_class = OrganizationFilter
    ordering_fields = ["name", "kind", "district", "status", "joined_on", "created_at"]
    ordering = ["name"]

    STATUS_ACTIONS = {"suspend", "withdraw", "reinstate"}

    def scoped_queryset(self):
        return selectors.organization_list(cluster=self.cluster).only(*serializer_columns(OrganizationOut))

    def check_cluster_permission(self):
        if self.action == "create" or self.action in self.STATUS_ACTIONS:
            permissions.require(self.request.user, self.cluster, "manage_members")

    def check_cluster_object_permission(self, obj):
        if self.action in ("update", "partial_update"):
            permissions.require(self.request.user, self.cluster, "edit_organization", obj)

    def get_serializer_class(self):
        if self.action == "create":
            return OrganizationIn
        if self.action in ("update", "partial_update"):
            return self._update_serializer_class()
        if self.action in self.STATUS_ACTIONS:
            return StatusChangeIn
        return OrganizationOut

    def _update_serializer_class(self):
        # The input serializer is the one whose fields the service lets this caller write
        # (a coordinator also sets the kind and the role in the cluster), so an organization
        # admin sending those fields gets an error, not a silent no-op.
        if self.cluster is None:  # schema generation: document the full body
            return OrganizationIn
        writable = set(services.organization_writable_fields(cluster=self.cluster, actor=self.request.user))
        return OrganizationIn if set(OrganizationIn().fields) <= writable else OrganizationProfileIn

    @extend_schema(summary=_("Add a member organization (coordinators)"), request=OrganizationIn,
                   responses={201: OrganizationOut, **_errors(400, 403)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(OrganizationIn)
        organization = services.organization_create(cluster=self.cluster, actor=request.user, data=data)
        return Response(OrganizationOut(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Replace an organization's profile"),
        description=_("Coordinators, or admins of that organization. Only coordinators send `kind` and "
                      "`cluster_role`; an organization admin sending them gets 400."),
        request=OrganizationIn, responses={200: OrganizationOut, **_errors(400, 403, 404)},
    )
    def update(self, request, *args, **kwargs):
        return self._update(partial=False)

    @extend_schema(
        summary=_("Change some fields of an organization's profile"),
        description=_("Coordinators, or admins of that organization. Only coordinators send `kind` and "
                      "`cluster_role`; an organization admin sending them gets 400."),
        request=OrganizationIn, responses={200: OrganizationOut, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, *args, **kwargs):
        return self._update(partial=True)

    def _update(self, *, partial):
        organization = self.get_object()
        data = self.validate_input(self._update_serializer_class(), partial=partial)
        organization = services.organization_update(
            cluster=self.cluster, actor=self.request.user, organization_id=organization.pk, data=data
        )
        return Response(OrganizationOut(organization).data)

    def _change_status(self, service):
        organization = self.get_object()
        data = self.validate_input(StatusChangeIn)
        organization = service(cluster=self.cluster, actor=self.request.user, organization_id=organization.pk,
                               reason=data["reason"], effective_on=data["effective_on"])
        return Response(OrganizationOut(organization).data)

    @extend_schema(summary=_("Suspend a member (coordinators); the reason is required"),
                   request=StatusChangeIn, responses={200: OrganizationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def suspend(self, request, *args, **kwargs):
        return self._change_status(services.organization_suspend)

    @extend_schema(summary=_("Record a member's withdrawal (coordinators); the reason is required"),
                   request=StatusChangeIn, responses={200: OrganizationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self._change_status(services.organization_withdraw)

    @extend_schema(summary=_("Reinstate a suspended or withdrawn member (coordinators)"),
                   request=StatusChangeIn, responses={200: OrganizationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def reinstate(self, request, *args, **kwargs):
        return self._change_status(services.organization_reinstate)


# --- Membership applications -----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Membership applications (coordinators)"),
                       responses={200: ApplicationOut, **_errors(403)}),
    retrieve=extend_schema(summary=_("One membership application (coordinators)"),
                           responses={200: ApplicationOut, **_errors(403, 404)}),
)
@extend_schema(tags=["applications"])
class ApplicationViewSet(ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Applications are submitted on the public browser page; here coordinators decide them."""

    model = MembershipApplication
    serializer_class = ApplicationOut
    filterset_class = ApplicationFilter
    ordering_fields = ["submitted_at", "decided_at", "organization_name", "status"]
    ordering = ["-submitted_at"]

    def check_cluster_permission(self):
        # Applicants' contact details are for the people who decide: coordinators only.
        permissions.require(self.request.user, self.cluster, "manage_members")

    def scoped_queryset(self):
        return (
            selectors.application_list(cluster=self.cluster)
            .select_related(None)
            .select_related("decided_by")
            .only(*serializer_columns(ApplicationOut))
        )

    @extend_schema(summary=_("Approve: the organization becomes an active member and its contact is "
                             "invited as its admin"),
                   request=None, responses={200: ApplicationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        application = self.get_object()
        application = services.application_approve(cluster=self.cluster, actor=request.user,
                                                   application_id=application.pk)
        return Response(ApplicationOut(application).data)

    @extend_schema(summary=_("Reject with a reason; the applicant is told by email"),
                   request=ApplicationRejectIn, responses={200: ApplicationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        application = self.get_object()
        data = self.validate_input(ApplicationRejectIn)
        application = services.application_reject(cluster=self.cluster, actor=request.user,
                                                  application_id=application.pk, reason=data["reason"])
        return Response(ApplicationOut(application).data)


# --- People ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("People of the cluster's organizations"),
                       description=_("Coordinators and authorities see everyone; organization admins "
                                     "and staff see the people of their own organizations; experts see "
                                     "no one.")),
    retrieve=extend_schema(summary=_("One person"), responses={200: PersonOut, **_errors(404)}),
)
@extend_schema(tags=["people"])
class PersonViewSet(ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = Person
    serializer_class = PersonOut
    filterset_class = PersonFilter
    ordering_fields = ["full_name", "position", "created_at", "updated_at"]
    ordering = ["full_name"]

    def scoped_queryset(self):
        return selectors.person_list_visible(cluster=self.cluster, roles=self.roles).only(
            *serializer_columns(PersonOut)
        )

    def check_cluster_object_permission(self, obj):
        if self.action == "partial_update":
            permissions.require(self.request.user, self.cluster, "manage_staff", obj.organization)

    def get_serializer_class(self):
        if self.action == "create":
            return PersonCreateIn
        if self.action == "partial_update":
            return PersonUpdateIn
        return PersonOut

    @extend_schema(summary=_("Add a person to an organization (its admins, or coordinators)"),
                   request=PersonCreateIn, responses={201: PersonOut, **_errors(400, 403)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(PersonCreateIn)
        organization = data.pop("organization")
        person = services.person_create(cluster=self.cluster, actor=request.user,
                                        organization_id=organization.pk, data=data)
        return Response(PersonOut(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change a person's details (admins of the organization, or coordinators)"),
                   request=PersonUpdateIn, responses={200: PersonOut, **_errors(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        data = self.validate_input(PersonUpdateIn, partial=True)
        person = services.person_update(cluster=self.cluster, actor=request.user, person_id=person.pk, data=data)
        return Response(PersonOut(person).data)


# --- School ratings -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("School ratings (green, yellow, red) by period")),
    retrieve=extend_schema(summary=_("One school rating"), responses={200: SchoolRatingOut, **_errors(404)}),
)
@extend_schema(tags=["school-ratings"])
class SchoolRatingViewSet(ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = SchoolRating
    serializer_class = SchoolRatingOut
    filterset_class = SchoolRatingFilter
    ordering_fields = ["period", "colour", "score", "created_at"]
    ordering = ["-period"]

    def scoped_queryset(self):
        return selectors.school_rating_list(cluster=self.cluster).only(*serializer_columns(SchoolRatingOut))

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "record_ratings")

    def get_serializer_class(self):
        return SchoolRatingIn if self.action == "create" else SchoolRatingOut

    @extend_schema(summary=_("Record a school's rating for a period (coordinators)"),
                   request=SchoolRatingIn, responses={201: SchoolRatingOut, **_errors(400, 403)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(SchoolRatingIn)
        school = data.pop("organization")
        rating = services.school_rating_record(cluster=self.cluster, actor=request.user,
                                               organization_id=school.pk, **data)
        return Response(SchoolRatingOut(rating).data, status=status.HTTP_201_CREATED)


# --- Branding -----------------------------------------------------------------------------------


@extend_schema(tags=["branding"])
class BrandingViewSet(ClusterScopedViewSet):
    """The cluster's colours and logo, at branding/: read by every member, changed by coordinators
    through the service the Branding page calls (services.cluster_branding_update)."""

    serializer_class = BrandingOut
    filter_backends = []
    parser_classes = [JSONParser, MultiPartParser]
    # The service stores a new logo before its own transaction commits (and deletes it if that
    # fails): it runs outside the request's, as the other uploads of the API do.
    non_atomic_actions = frozenset({"partial_update"})

    def check_cluster_permission(self):
        if self.action == "partial_update":
            permissions.require(self.request.user, self.cluster, "manage_branding")

    def get_serializer_class(self):
        return BrandingUploadIn if self.action == "partial_update" else BrandingOut

    @extend_schema(summary=_("The cluster's colours and logo"),
                   description=_("Every member of the cluster. The logo's address is public and changes with "
                                 "the logo."),
                   responses={200: BrandingOut})
    def retrieve(self, request, *args, **kwargs):
        return Response(BrandingOut(self.cluster, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Change the cluster's colours or logo (coordinators)"),
        description=_("JSON with the colours and `remove_logo`, or multipart/form-data that may also carry a new "
                      "`logo`. What is left out stays. Nothing is saved unless everything is accepted; the answer "
                      "names each field at fault."),
        request={"application/json": BrandingIn, "multipart/form-data": BrandingUploadIn},
        responses={200: BrandingOut, **_errors(400, 403)},
    )
    def partial_update(self, request, *args, **kwargs):
        data = self.validate_input(BrandingUploadIn if request.content_type.startswith("multipart/") else BrandingIn)
        logo, remove_logo = data.pop("logo", None), data.pop("remove_logo")
        cluster = services.cluster_branding_update(cluster=self.cluster, actor=request.user, data=data, logo=logo,
                                                   remove_logo=remove_logo)
        return Response(BrandingOut(cluster, context=self.get_serializer_context()).data)
