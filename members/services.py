"""Every state change of the members app: one function per use case.

Each checks permission, validates (raising a ValidationError that names the field), writes
in one transaction and leaves the audit trail (pghistory events carry the acting user;
status changes and decisions also keep who, when and why in their own rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cluster_platform import names, rls
from cluster_platform.broker import publish_on_commit
from cluster_platform.services import audit
from cluster_platform.tenancy import forget_roles, roles_for

from . import branding, languages, permissions, selectors
from .models import (
    TAX_ID_TAKEN,
    Cluster,
    ClusterRole,
    Invitation,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    Profile,
    SchoolRating,
)

User = get_user_model()

# Fields an organization admin may change on its own profile; status and the cluster role
# are the coordinator's.
PROFILE_FIELDS = [
    "name", "short_name", "tax_id", "district", "address", "latitude", "longitude",
    "website", "email", "phone", "specialisations", "name_translations",
]
COORDINATOR_FIELDS = PROFILE_FIELDS + ["kind", "cluster_role"]
PERSON_FIELDS = ["full_name", "position", "subject", "email", "phone", "is_active"]


def _assign(instance, data: dict, allowed: list[str]):
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    for field, value in data.items():
        setattr(instance, field, value)


# --- Clusters (platform level) ------------------------------------------------------------

@transaction.atomic
def cluster_create(*, actor, name: str, slug: str, region: str, goals: str = "",
                   languages: list[str] | None = None, coordinator=None) -> Cluster:
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a platform administrator can create clusters."))
    cluster = Cluster(name=name, slug=slug, region=region, goals=goals, languages=languages or ["uz", "ru", "en"])
    cluster.full_clean()
    with audit(actor, service="cluster_create"):
        cluster.save()
        if coordinator is not None:
            ClusterRole.objects.create(cluster=cluster, user=coordinator, role=ClusterRole.Role.COORDINATOR,
                                       granted_by=actor)
    return cluster


def cluster_branding_update(*, cluster: Cluster, actor, data: dict, logo=None, remove_logo: bool = False) -> Cluster:
    """Set the cluster's colours (`data`: primary_colour, accent_colour; one left out stays) and
    replace its logo with `logo` (an upload) or remove it. Coordinators only.

    Everything is checked before anything is written (members.branding: the colours, the
    primary's contrast with white text, the logo by its content and size), and the errors of
    every field come together. The new logo is stored, then the row saved under its lock in one
    transaction; if that fails the stored file is deleted, so a refused or failed change leaves
    neither row nor file. The previous logo file goes once the change has committed."""
    permissions.require(actor, cluster, "manage_branding")
    errors = {}
    try:
        colours = branding.clean_colours(data, cluster)
    except ValidationError as error:
        colours, errors = {}, error.message_dict
    new_logo = None
    if logo is not None and remove_logo:
        errors.setdefault("logo", []).append(_("Upload a new logo or remove the logo, not both."))
    elif logo is not None:
        try:
            new_logo = branding.logo_from_upload(logo)
        except ValidationError as error:
            errors.setdefault("logo", []).extend(error.message_dict["logo"])
    if errors:
        raise ValidationError(errors)
    stored = None
    try:
        with transaction.atomic():
            locked = Cluster.objects.select_for_update().get(pk=cluster.pk)
            previous = locked.logo.name
            for field, value in colours.items():
                if field in data:  # one left out keeps the row's value, not the caller's copy of it
                    setattr(locked, field, value)
            if new_logo is not None:
                stored = default_storage.save(branding.logo_storage_name(locked, new_logo),
                                              ContentFile(new_logo.content))
                locked.logo.name = stored
            elif remove_logo:
                locked.logo.name = ""
            with audit(actor, service="cluster_branding_update"):
                locked.save(update_fields=[*branding.COLOUR_FIELDS, "logo"])
            if previous and previous != locked.logo.name:
                transaction.on_commit(lambda: default_storage.delete(previous))
    except BaseException:
        if stored is not None:
            default_storage.delete(stored)
        raise
    return locked


# --- Organizations --------------------------------------------------------------------------

def organization_writable_fields(*, cluster, actor) -> list[str]:
    """The organization fields this actor may change: forms and the API offer exactly these."""
    return COORDINATOR_FIELDS if roles_for(actor, cluster).is_coordinator else PROFILE_FIELDS


def _validate_organization(organization: Organization) -> None:
    """Field checks, and the tax id free in the cluster, reported on the tax_id field."""
    errors = {}
    organization.name_translations = names.collect_translations(errors, organization.name_translations,
                                                                model=Organization, field="name")
    try:
        organization.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if "tax_id" not in errors and selectors.organization_tax_id_taken(
            cluster=organization.cluster_id, tax_id=organization.tax_id, exclude_pk=organization.pk):
        errors["tax_id"] = [TAX_ID_TAKEN]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organization_create(*, cluster, actor, data: dict) -> Organization:
    permissions.require(actor, cluster, "manage_members")
    organization = Organization(cluster=cluster, status=Organization.Status.ACTIVE, joined_on=timezone.localdate())
    _assign(organization, data, COORDINATOR_FIELDS)
    _validate_organization(organization)
    with audit(actor, service="organization_create"):
        organization.save()
    return organization


@transaction.atomic
def organization_update(*, cluster, actor, organization_id: int, data: dict) -> Organization:
    organization = Organization.objects.for_cluster(cluster).select_for_update().get(pk=organization_id)
    permissions.require(actor, cluster, "edit_organization", organization)
    _assign(organization, data, organization_writable_fields(cluster=cluster, actor=actor))
    _validate_organization(organization)
    with audit(actor, service="organization_update"):
        organization.save()
    return organization


_STATUS_MOVES = {
    # to_status: (allowed from, date field)
    Organization.Status.SUSPENDED: ({Organization.Status.ACTIVE}, "suspended_on"),
    Organization.Status.WITHDRAWN: ({Organization.Status.ACTIVE, Organization.Status.SUSPENDED}, "withdrawn_on"),
    Organization.Status.ACTIVE: ({Organization.Status.SUSPENDED, Organization.Status.WITHDRAWN}, None),
}


@transaction.atomic
def organization_change_status(*, cluster, actor, organization_id: int, to_status: str, reason: str = "",
                               effective_on: datetime.date | None = None) -> Organization:
    """Suspend, withdraw or reinstate a member; the dates and the reason are kept."""
    permissions.require(actor, cluster, "manage_members")
    organization = Organization.objects.for_cluster(cluster).select_for_update().get(pk=organization_id)
    if to_status not in _STATUS_MOVES:
        raise ValidationError({"status": _("Unknown status.")})
    allowed_from, date_field = _STATUS_MOVES[to_status]
    if organization.status not in allowed_from:
        raise ValidationError({"status": _("A member that is %(current)s cannot become %(target)s.") % {
            "current": organization.get_status_display().lower(),
            "target": Organization.Status(to_status).label.lower(),
        }})
    reason = (reason or "").strip()
    if to_status != Organization.Status.ACTIVE and not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    effective_on = effective_on or timezone.localdate()
    previous = organization.status
    organization.status = to_status
    organization.status_reason = reason
    if date_field:
        setattr(organization, date_field, effective_on)
    with audit(actor, service="organization_change_status"):
        organization.save(update_fields=["status", "status_reason", "suspended_on", "withdrawn_on", "updated_at"])
        MembershipStatusChange.objects.create(
            cluster=cluster, organization=organization, from_status=previous, to_status=to_status,
            effective_on=effective_on, reason=reason, actor=actor,
        )
    return organization


def organization_suspend(*, cluster, actor, organization_id, reason, effective_on=None):
    return organization_change_status(cluster=cluster, actor=actor, organization_id=organization_id,
                                      to_status=Organization.Status.SUSPENDED, reason=reason,
                                      effective_on=effective_on)


def organization_withdraw(*, cluster, actor, organization_id, reason, effective_on=None):
    return organization_change_status(cluster=cluster, actor=actor, organization_id=organization_id,
                                      to_status=Organization.Status.WITHDRAWN, reason=reason,
                                      effective_on=effective_on)


def organization_reinstate(*, cluster, actor, organization_id, reason="", effective_on=None):
    return organization_change_status(cluster=cluster, actor=actor, organization_id=organization_id,
                                      to_status=Organization.Status.ACTIVE, reason=reason,
                                      effective_on=effective_on)


# --- Membership applications -----------------------------------------------------------------

APPLICATION_FIELDS = [
    "organization_name", "kind", "tax_id", "district", "address", "website",
    "contact_name", "contact_email", "contact_phone", "motivation",
]


@transaction.atomic
def application_submit(*, cluster, data: dict, language: str | None = None) -> MembershipApplication:
    """Public: anyone may apply to join an active cluster. The decision is written to them in
    `language`, by default the one active now (the language of the form they filled in)."""
    if not cluster.is_active:
        raise ValidationError(_("This cluster does not accept applications."))
    application = MembershipApplication(cluster=cluster)
    _assign(application, data, APPLICATION_FIELDS)
    application.language = languages.supported(translation.get_language() if language is None else language)
    application.full_clean(exclude=["reference"])
    if selectors.organization_tax_id_taken(cluster=cluster, tax_id=application.tax_id):
        raise ValidationError({"tax_id": TAX_ID_TAKEN})
    with audit(None, service="application_submit"):
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    application.save()
                break
            except IntegrityError:  # the random reference collided; draw another
                application.pk = None
                application.reference = MembershipApplication._meta.get_field("reference").default()
        else:
            raise RuntimeError("Could not allocate an application reference.")
    return application


def _application_for_decision(*, cluster, application_id) -> MembershipApplication:
    application = MembershipApplication.objects.for_cluster(cluster).select_for_update().get(pk=application_id)
    if application.status != MembershipApplication.Status.SUBMITTED:
        raise ValidationError({"status": _("This application was already decided.")})
    return application


@transaction.atomic
def application_approve(*, cluster, actor, application_id: int) -> MembershipApplication:
    """The organization becomes an active member; its contact is invited as its admin."""
    permissions.require(actor, cluster, "manage_members")
    application = _application_for_decision(cluster=cluster, application_id=application_id)
    organization = Organization(
        cluster=cluster, kind=application.kind, name=application.organization_name, tax_id=application.tax_id,
        district=application.district, address=application.address, website=application.website,
        email=application.contact_email, phone=application.contact_phone,
        status=Organization.Status.ACTIVE, joined_on=timezone.localdate(),
    )
    _validate_organization(organization)
    with audit(actor, service="application_approve"):
        organization.save()
        contact = Person.objects.create(
            cluster=cluster, organization=organization, full_name=application.contact_name,
            email=application.contact_email, phone=application.contact_phone,
        )
        application.status = MembershipApplication.Status.APPROVED
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.organization = organization
        application.save(update_fields=["status", "decided_at", "decided_by", "organization"])
        _invitation_create(
            cluster=cluster, actor=actor, email=application.contact_email, person=contact,
            organization=organization, organization_role=OrganizationRole.Role.ADMIN,
            language=application.language or invitation_language_default(cluster=cluster),
        )
    return application


@transaction.atomic
def application_reject(*, cluster, actor, application_id: int, reason: str) -> MembershipApplication:
    permissions.require(actor, cluster, "manage_members")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    application = _application_for_decision(cluster=cluster, application_id=application_id)
    application.status = MembershipApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.rejection_reason = reason
    with audit(actor, service="application_reject"):
        application.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    from .tasks import send_application_decision

    # A broker that cannot be reached leaves the decision saved (no 500); the email is not sent.
    publish_on_commit(send_application_decision, cluster.pk, application.pk)
    return application


# --- People ---------------------------------------------------------------------------------

@transaction.atomic
def person_create(*, cluster, actor, organization_id: int, data: dict) -> Person:
    organization = Organization.objects.for_cluster(cluster).get(pk=organization_id)
    permissions.require(actor, cluster, "manage_staff", organization)
    person = Person(cluster=cluster, organization=organization)
    _assign(person, data, PERSON_FIELDS)
    person.full_clean()
    with audit(actor, service="person_create"):
        person.save()
    return person


@transaction.atomic
def person_update(*, cluster, actor, person_id: int, data: dict) -> Person:
    person = Person.objects.for_cluster(cluster).select_for_update().get(pk=person_id)
    permissions.require(actor, cluster, "manage_staff", person.organization)
    _assign(person, data, PERSON_FIELDS)
    person.full_clean()
    with audit(actor, service="person_update"):
        person.save()
    return person


# --- Invitations and roles ----------------------------------------------------------------------

INVITATION_SALT = "members.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The secret of an invitation link: the id signed with SECRET_KEY. Nothing secret is
    stored, so neither the database nor the task queue holds a usable link."""
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_language_default(*, cluster) -> str:
    """The language an invitation is written in unless the inviter chooses another: the
    cluster's first language, else the one the inviter is using now."""
    return (languages.cluster_language(cluster) or languages.supported(translation.get_language())
            or settings.LANGUAGE_CODE)


def _invitation_create(*, cluster, actor, email, language: str, person=None, cluster_role="",
                       organization=None, organization_role="") -> Invitation:
    invitation = Invitation.objects.create(
        cluster=cluster, email=email, person=person, cluster_role=cluster_role,
        organization=organization, organization_role=organization_role, invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        language=language,
    )
    from .tasks import send_invitation

    # A broker that cannot be reached leaves the invitation saved (no 500); the email is not sent.
    publish_on_commit(send_invitation, cluster.pk, invitation.pk)
    return invitation


@transaction.atomic
def invitation_send(*, cluster, actor, email: str, cluster_role: str = "", organization_id: int | None = None,
                    organization_role: str = "", person_id: int | None = None,
                    language: str = "") -> Invitation:
    """Invite someone by email to a cluster role, an organization role, or both. The email is
    written in `language` (one of settings.LANGUAGES), by default invitation_language_default."""
    errors = {}
    email = (email or "").strip().lower()
    if not email:
        errors["email"] = _("Enter the email address.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if cluster_role and cluster_role not in ClusterRole.Role.values:
        errors["cluster_role"] = _("Unknown role.")
    if organization_role and organization_role not in OrganizationRole.Role.values:
        errors["organization_role"] = _("Unknown role.")
    if not cluster_role and not organization_role:
        errors["cluster_role"] = _("Choose a cluster role or an organization role.")
    if organization_role and not organization_id:
        errors["organization"] = _("Choose the organization.")
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the available languages.")
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.for_cluster(cluster).get(pk=organization_id) if organization_id else None
    if cluster_role:
        permissions.require(actor, cluster, "grant_cluster_roles")
    if organization is not None:
        permissions.require(actor, cluster, "manage_staff", organization)
    person = None
    if person_id:
        person = Person.objects.for_cluster(cluster).get(pk=person_id)
        if organization is not None and person.organization_id != organization.pk:
            raise ValidationError({"person": _("This person works for another organization.")})
    with audit(actor, service="invitation_send"):
        return _invitation_create(cluster=cluster, actor=actor, email=email, person=person,
                                  cluster_role=cluster_role, organization=organization,
                                  organization_role=organization_role,
                                  language=language or invitation_language_default(cluster=cluster))


def invitation_by_token(token: str) -> Invitation | None:
    """The pending invitation for a link, across clusters: the signed token is the secret.
    An invitation whose organization has left the cluster is no longer valid."""
    try:
        pk = signing.loads(token or "", salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    invitation = (
        Invitation.objects.unscoped().select_related("cluster", "organization")
        .filter(pk=pk, accepted_at__isnull=True, expires_at__gt=timezone.now(), cluster__is_active=True)
        .exclude(organization__status=Organization.Status.WITHDRAWN)
        .first()
    )
    if invitation is not None:
        # The token found its cluster: the rest of the request works in it (row-level security).
        rls.use_cluster(invitation.cluster_id)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, user=None):
    """Create the account (or use the signed-in one) and grant the invited roles."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation is not valid any more. Ask for a new one."))
    invitation = Invitation.objects.for_cluster(invitation.cluster).select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already used."))
    cluster = invitation.cluster
    if user is None or not user.is_authenticated:
        errors = {}
        username = (username or "").strip()
        if not username:
            errors["username"] = _("Choose a username.")
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = _("This username is taken.")
        candidate = User(username=username, email=invitation.email)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            errors["password"] = error.messages
        if errors:
            raise ValidationError(errors)
        candidate.set_password(password)
        candidate.save()
        user = candidate
    with audit(user, service="invitation_accept"):
        if invitation.cluster_role:
            ClusterRole.objects.get_or_create(cluster=cluster, user=user, role=invitation.cluster_role,
                                              defaults={"granted_by": invitation.invited_by})
        if invitation.organization_id and invitation.organization_role:
            OrganizationRole.objects.get_or_create(
                cluster=cluster, organization_id=invitation.organization_id, user=user,
                role=invitation.organization_role, defaults={"granted_by": invitation.invited_by},
            )
        if invitation.person_id and not Person.objects.for_cluster(cluster).filter(user=user).exists():
            Person.objects.for_cluster(cluster).filter(pk=invitation.person_id, user__isnull=True).update(user=user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_roles(user)
    return user, cluster


@transaction.atomic
def cluster_role_grant(*, cluster, actor, user, role: str) -> ClusterRole:
    permissions.require(actor, cluster, "grant_cluster_roles")
    if role not in ClusterRole.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with audit(actor, service="cluster_role_grant"):
        grant, _created = ClusterRole.objects.get_or_create(cluster=cluster, user=user, role=role,
                                                            defaults={"granted_by": actor})
    forget_roles(user)
    return grant


@transaction.atomic
def cluster_role_revoke(*, cluster, actor, role_id: int) -> None:
    permissions.require(actor, cluster, "grant_cluster_roles")
    grant = ClusterRole.objects.for_cluster(cluster).select_related("user").get(pk=role_id)
    if grant.role == ClusterRole.Role.COORDINATOR:
        # Lock every coordinator row: two coordinators revoking each other at once must not
        # both see "one other left".
        coordinators = list(ClusterRole.objects.for_cluster(cluster).select_for_update()
                            .filter(role=ClusterRole.Role.COORDINATOR).values_list("pk", flat=True))
        if not set(coordinators) - {grant.pk}:
            raise ValidationError({"role": _("A cluster keeps at least one coordinator.")})
    with audit(actor, service="cluster_role_revoke"):
        grant.delete()
    forget_roles(grant.user)


@transaction.atomic
def organization_role_grant(*, cluster, actor, organization_id: int, user, role: str) -> OrganizationRole:
    """Give an existing account a role in an organization (admins of it, or a coordinator)."""
    organization = Organization.objects.for_cluster(cluster).get(pk=organization_id)
    permissions.require(actor, cluster, "manage_staff", organization)
    if role not in OrganizationRole.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with audit(actor, service="organization_role_grant"):
        grant, _created = OrganizationRole.objects.get_or_create(
            cluster=cluster, organization=organization, user=user, role=role, defaults={"granted_by": actor})
    forget_roles(user)
    return grant


@transaction.atomic
def organization_role_revoke(*, cluster, actor, role_id: int) -> None:
    grant = OrganizationRole.objects.for_cluster(cluster).select_related("organization", "user").get(pk=role_id)
    permissions.require(actor, cluster, "manage_staff", grant.organization)
    if grant.user_id == actor.pk and grant.role == OrganizationRole.Role.ADMIN and not roles_for(actor, cluster).is_coordinator:
        raise ValidationError({"role": _("You cannot remove your own administrator role.")})
    with audit(actor, service="organization_role_revoke"):
        grant.delete()
    forget_roles(grant.user)


# --- School ratings ------------------------------------------------------------------------------

@transaction.atomic
def school_rating_record(*, cluster, actor, organization_id: int, period: datetime.date, colour: str,
                         score, note: str = "") -> SchoolRating:
    permissions.require(actor, cluster, "record_ratings")
    school = Organization.objects.for_cluster(cluster).select_for_update().get(pk=organization_id)
    if school.kind != Organization.Kind.SCHOOL:
        raise ValidationError({"organization": _("Ratings are recorded for schools only.")})
    rating = SchoolRating(cluster=cluster, organization=school, period=period, colour=colour, score=score,
                          note=note, recorded_by=actor)
    errors = {}
    try:
        rating.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    if "period" not in errors and rating.period.day != 1:
        errors["period"] = [_("A rating period starts on the first day of a month.")]
    if "period" not in errors and SchoolRating.objects.for_cluster(cluster).filter(
            organization=school, period=rating.period).exists():
        errors["period"] = [_("This school already has a rating for that period.")]
    if errors:
        raise ValidationError(errors)
    with audit(actor, service="school_rating_record"):
        rating.save()
        _refresh_current_rating(cluster, school)
    return rating


def _refresh_current_rating(cluster, school):
    latest = SchoolRating.objects.for_cluster(cluster).filter(organization=school).order_by("-period").first()
    school.current_rating = latest.colour if latest else ""
    school.save(update_fields=["current_rating", "updated_at"])


# --- Import ------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: list


@transaction.atomic
def organizations_import(*, cluster, actor, rows: list[dict]) -> ImportResult:
    """Create every row or none: rows are validated again inside the transaction."""
    permissions.require(actor, cluster, "manage_members")
    from .importing import validate_rows

    cleaned, errors = validate_rows(cluster=cluster, rows=rows)
    if errors:
        raise ValidationError([
            _("Row %(row)s, %(field)s: %(message)s") % error for error in errors
        ])
    today = timezone.localdate()
    objects = [Organization(cluster=cluster, status=Organization.Status.ACTIVE, joined_on=today, **row)
               for row in cleaned]
    with audit(actor, service="organizations_import"):
        created = Organization.objects.bulk_create(objects)
    return ImportResult(created=created)


def organization_status_targets(*, organization: Organization) -> list[str]:
    """The statuses a coordinator may move this member to, so pages offer only real moves."""
    return [to for to, (allowed_from, _date_field) in _STATUS_MOVES.items() if organization.status in allowed_from]


# --- Platform level: a cluster's first coordinator ----------------------------------------------

@transaction.atomic
def cluster_invite_coordinator(*, cluster: Cluster, email: str, actor=None) -> Invitation:
    """Invite a new cluster's first coordinator: `invitation_send` needs a coordinator to act,
    and a cluster just created has none. For platform administrators (actor None: the CLI)."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a platform administrator can invite a cluster's coordinator."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    with audit(actor, service="cluster_invite_coordinator"):
        return _invitation_create(cluster=cluster, actor=actor, email=email,
                                  cluster_role=ClusterRole.Role.COORDINATOR,
                                  language=invitation_language_default(cluster=cluster))


# --- The user's own profile ---------------------------------------------------------------------

@transaction.atomic
def language_set(*, user, language: str) -> Profile:
    """Remember the user's language (one of settings.LANGUAGES; blank forgets it): the pages
    use it when the browser has no language cookie, certificates always. Only the user changes
    their own profile: anyone signed in may, nobody else."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the available languages.")})
    profile, _created = Profile.objects.select_for_update().get_or_create(
        user=user, defaults={"language": language})
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile
