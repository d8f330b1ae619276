"""Every state change of the agreements app: one function per use case.

Each loads the rows with the cluster in the query, checks permission, validates (raising a
ValidationError that names the field, or "status" with the reason a move is refused), writes
in one transaction and leaves the audit trail: pghistory events carry the acting user and
the service, and every status move is also a row of the agreement's timeline.
"""

from __future__ import annotations

import datetime

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cluster_platform.services import audit
from cluster_platform.tenancy import roles_for
from guardian.shortcuts import assign_perm, remove_perm

from members.models import Organization, OrganizationRole, Person

from . import documents, permissions, selectors
from .models import (
    Agreement,
    AgreementDocument,
    AgreementNumberSequence,
    AgreementParty,
    AgreementReminder,
    AgreementTransition,
    Obligation,
)

Status = Agreement.Status

# Stored in the timeline as data and translated when shown.
DAILY_TASK_COMMENT = gettext_noop("daily task")

# Who may make each move: "party" (a coordinator or an admin of a party organization),
# "coordinator", or "task" (the daily task alone). Anything not listed is refused.
PARTY, COORDINATOR, TASK = "party", "coordinator", "task"
MOVES = {
    (Status.DRAFT, Status.NEGOTIATION): PARTY,
    (Status.NEGOTIATION, Status.DRAFT): PARTY,
    (Status.NEGOTIATION, Status.SIGNED): PARTY,
    (Status.SIGNED, Status.ACTIVE): COORDINATOR,  # or the task on the start date
    (Status.ACTIVE, Status.EXPIRED): TASK,
    (Status.SUSPENDED, Status.EXPIRED): TASK,  # its term ends whether or not it was suspended
    (Status.ACTIVE, Status.SUSPENDED): COORDINATOR,
    (Status.SUSPENDED, Status.ACTIVE): COORDINATOR,
    **{(status, Status.TERMINATED): COORDINATOR for status in Status if status not in Agreement.FINAL_STATUSES},
}
RENEWABLE = permissions.RENEWABLE


def cluster_code(cluster) -> str:
    """The prefix of agreement numbers: the first three letters or digits of the cluster's
    slug, uppercased ("tashkent-region" -> "TAS"). Deterministic and stable while the slug is."""
    return "".join(ch for ch in cluster.slug if ch.isalnum())[:3].upper() or "CLU"


def _allocate_number(cluster) -> str:
    """The next number of the cluster and year, e.g. TAS-2026-0007.

    The sequence row is locked (SELECT ... FOR UPDATE) until the caller's transaction ends,
    so concurrent creations queue for it; if the creation rolls back, so does the increment,
    so numbers have neither gaps nor duplicates."""
    year = timezone.localdate().year
    AgreementNumberSequence.objects.get_or_create(cluster=cluster, year=year)
    sequence = AgreementNumberSequence.objects.for_cluster(cluster).select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{cluster_code(cluster)}-{year}-{sequence.last_number:04d}"


def _validate_dates(start_date, end_date) -> None:
    errors = {}
    if start_date is None:
        errors["start_date"] = [_("Give the start date.")]
    if end_date is None:
        errors["end_date"] = [_("Give the end date.")]
    if not errors and end_date < start_date:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise ValidationError(errors)


def _validate_parties(cluster, parties: list[dict]) -> list[dict]:
    """Each party's organization active and of this cluster, its signatory one of its people;
    at least two distinct organizations. Returns the parties with loaded objects. Another
    cluster's organization is reported as unknown, alike with one that does not exist."""
    parties = list(parties or [])
    org_ids = [party.get("organization_id") for party in parties]
    if len(set(org_ids)) < 2 or len(org_ids) != len(set(org_ids)):
        raise ValidationError({"parties": _("An agreement needs at least two different organizations.")})
    organizations = Organization.objects.for_cluster(cluster).in_bulk(org_ids)
    signatory_ids = [party["signatory_id"] for party in parties if party.get("signatory_id")]
    people = Person.objects.for_cluster(cluster).in_bulk(signatory_ids) if signatory_ids else {}
    valid_roles = set(AgreementParty.Role.values)
    loaded = []
    for party in parties:
        organization = organizations.get(party.get("organization_id"))
        if organization is None:
            raise ValidationError({"parties": _("Choose organizations of this cluster.")})
        if organization.status != Organization.Status.ACTIVE:
            raise ValidationError({"parties": _("%(name)s is not an active member of the cluster.") % {
                "name": organization}})
        role = party.get("role") or AgreementParty.Role.PARTNER
        if role not in valid_roles:
            raise ValidationError({"parties": _("Unknown role of a party.")})
        signatory = None
        if party.get("signatory_id"):
            signatory = people.get(party["signatory_id"])
            if signatory is None or signatory.organization_id != organization.pk:
                raise ValidationError({"parties": _("The signatory must work at the party's organization.")})
        loaded.append({"organization": organization, "role": role, "signatory": signatory})
    return loaded


def _record(cluster, agreement, *, actor, from_status, to_status, comment=""):
    AgreementTransition.objects.create(
        cluster=cluster, agreement=agreement, actor=actor,
        from_status=from_status or "", to_status=to_status, comment=comment,
    )


def _create(cluster, *, actor, title, kind, start_date, end_date, parties, description, renewal_of=None):
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Give the title.")]
    if kind not in Agreement.Kind.values:
        errors["kind"] = [_("Choose the kind of agreement.")]
    if errors:
        raise ValidationError(errors)
    _validate_dates(start_date, end_date)
    agreement = Agreement(
        cluster=cluster, title=title, kind=kind, description=description or "", start_date=start_date,
        end_date=end_date, status=Status.DRAFT, created_by=actor, renewal_of=renewal_of,
    )
    agreement.number = _allocate_number(cluster)
    agreement.save()
    AgreementParty.objects.bulk_create([
        AgreementParty(cluster=cluster, agreement=agreement, organization=party["organization"],
                       role=party["role"], signatory=party["signatory"])
        for party in parties
    ])
    _record(cluster, agreement, actor=actor, from_status=None, to_status=Status.DRAFT)
    return agreement


@transaction.atomic
def agreement_create(*, cluster, actor, title: str, kind: str, start_date: datetime.date,
                     end_date: datetime.date, parties: list[dict], description: str = "") -> Agreement:
    """A draft between two or more organizations of the cluster, numbered on creation.

    `parties`: dicts of organization_id, role and optionally signatory_id."""
    # First whether the actor may create agreements at all, then whether with these parties.
    permissions.require(actor, cluster, "create", roles_for(actor, cluster).organizations_with("admin"))
    loaded = _validate_parties(cluster, parties)
    permissions.require(actor, cluster, "create", [party["organization"].pk for party in loaded])
    with audit(actor, service="agreement_create"):
        return _create(cluster, actor=actor, title=title, kind=kind, start_date=start_date, end_date=end_date,
                       parties=loaded, description=description)


def may_move(roles, agreement, to_status) -> bool:
    """Whether these roles may make this move by hand (MOVES decides who; the guards, such as
    every party having signed, are checked by _check_move). Pages show the buttons by it."""
    who = MOVES.get((agreement.status, to_status))
    if who is None or who == TASK:
        return False
    if who == COORDINATOR:
        return permissions.can_manage(roles)
    return permissions.can_propose(roles, agreement)


def _check_move(agreement, to_status, *, roles, by_task: bool, today: datetime.date, reason: str):
    """Raise a ValidationError on "status" that says why the move is refused, or
    PermissionDenied when the move is legal but not for these roles."""
    current = agreement.status
    if to_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if current in Agreement.FINAL_STATUSES:
        raise ValidationError({"status": _("The agreement is %(status)s: it cannot change any more.") % {
            "status": Status(current).label.lower()}})
    who = MOVES.get((current, to_status))
    if who is None:
        raise ValidationError({"status": _("An agreement that is %(current)s cannot become %(target)s.") % {
            "current": Status(current).label.lower(), "target": Status(to_status).label.lower()}})
    if not by_task:
        if who == TASK:
            raise ValidationError({"status": _("An agreement expires by itself the day after its end date.")})
        if not may_move(roles, agreement, to_status):
            permissions.deny()
    if to_status == Status.SIGNED and any(party.signed_on is None for party in agreement.parties.all()):
        raise ValidationError({"status": _("Every party must sign before the agreement is signed.")})
    if (current, to_status) == (Status.SIGNED, Status.ACTIVE) and agreement.start_date > today:
        raise ValidationError({"status": _("The agreement cannot be active before its start date (%(date)s).") % {
            "date": agreement.start_date.isoformat()}})
    if to_status == Status.TERMINATED and not reason:
        raise ValidationError({"reason": _("Give the reason for terminating the agreement.")})


def _move(cluster, agreement, to_status, *, actor, comment="", reason=""):
    from_status = agreement.status
    agreement.status = to_status
    fields = ["status", "updated_at"]
    if to_status == Status.TERMINATED:
        agreement.termination_reason = reason
        fields.append("termination_reason")
    agreement.save(update_fields=fields)
    _record(cluster, agreement, actor=actor, from_status=from_status, to_status=to_status,
            comment=comment or reason)


@transaction.atomic
def agreement_transition(*, cluster, actor, agreement_id: int, to_status: str, comment: str = "",
                         reason: str = "") -> Agreement:
    """The one way a person moves an agreement through its lifecycle (see MOVES)."""
    agreement = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, agreement)
    permissions.require(actor, cluster, "propose", agreement)
    roles = roles_for(actor, cluster)
    reason = (reason or "").strip()
    _check_move(agreement, to_status, roles=roles, by_task=False, today=timezone.localdate(), reason=reason)
    with audit(actor, service="agreement_transition"):
        _move(cluster, agreement, to_status, actor=actor, comment=(comment or "").strip(), reason=reason)
    return agreement


@transaction.atomic
def agreement_sign(*, cluster, actor, agreement_id: int, party_id: int, signed_on: datetime.date,
                   signatory_id: int | None = None, signed_by_name: str = "") -> AgreementParty:
    """Record one party's signature while the agreement is negotiated."""
    agreement = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, agreement)
    try:
        party = AgreementParty.objects.for_cluster(cluster).select_related("organization").get(
            pk=party_id, agreement=agreement)
    except AgreementParty.DoesNotExist:
        raise ValidationError({"party": _("Choose a party of this agreement.")})
    permissions.require(actor, cluster, "sign", party)
    if agreement.status != Status.NEGOTIATION:
        raise ValidationError({"status": _("Parties sign while the agreement is negotiated.")})
    if party.signed_on is not None:
        raise ValidationError({"party": _("This party has already signed.")})
    if signed_on is None:
        raise ValidationError({"signed_on": _("Give the date of the signature.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The date of the signature cannot be in the future.")})
    signatory = party.signatory
    if signatory_id is not None:
        signatory = Person.objects.for_cluster(cluster).filter(
            pk=signatory_id, organization_id=party.organization_id).first()
        if signatory is None:
            raise ValidationError({"signatory": _("The signatory must work at the party's organization.")})
    signed_by_name = (signed_by_name or "").strip() or (signatory.full_name if signatory else "")
    if not signed_by_name:
        raise ValidationError({"signed_by_name": _("Give the name of the person who signed.")})
    party.signatory, party.signed_on, party.signed_by_name = signatory, signed_on, signed_by_name
    with audit(actor, service="agreement_sign"):
        party.save(update_fields=["signatory", "signed_on", "signed_by_name"])
    return party


@transaction.atomic
def agreement_renew(*, cluster, actor, agreement_id: int, start_date: datetime.date,
                    end_date: datetime.date) -> Agreement:
    """A new draft with the same parties (unsigned), a new number, and renewal_of set."""
    previous = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, previous)
    permissions.require(actor, cluster, "renew", previous)
    if previous.status not in RENEWABLE:
        raise ValidationError({"status": _("Only a signed, active, suspended or expired agreement can be renewed.")})
    parties = _validate_parties(cluster, [
        {"organization_id": party.organization_id, "role": party.role, "signatory_id": party.signatory_id}
        for party in previous.parties.all()
    ])
    with audit(actor, service="agreement_renew"):
        return _create(cluster, actor=actor, title=previous.title, kind=previous.kind, start_date=start_date,
                       end_date=end_date, parties=parties, description=previous.description, renewal_of=previous)


# --- Party representatives ------------------------------------------------------------------

def _party_for_representatives(cluster, actor, agreement_id: int, party_id: int) -> AgreementParty:
    agreement = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, agreement)
    party = (
        AgreementParty.objects.for_cluster(cluster).select_related("organization")
        .filter(pk=party_id, agreement=agreement).first()
    )
    if party is None:
        raise ValidationError({"party": _("Choose a party of this agreement.")})
    party.agreement = agreement
    permissions.require(actor, cluster, "name_representatives", party)
    return party


def _representative_user(cluster, party: AgreementParty, user_id):
    """A user with a role (admin or staff) in the party's organization; anyone else, another
    cluster's user included, is refused alike."""
    has_role = OrganizationRole.objects.for_cluster(cluster).filter(
        organization_id=party.organization_id, user_id=user_id)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).filter(
        pk__in=has_role.values("user_id")).first() if user_id else None
    if user is None:
        raise ValidationError({"user": _("Choose a person with an account at %(organization)s.") % {
            "organization": party.organization}})
    return user


@transaction.atomic
def representative_add(*, cluster, actor, agreement_id: int, party_id: int, user_id: int) -> AgreementParty:
    """Name a person of the party's organization to act for it on this agreement."""
    party = _party_for_representatives(cluster, actor, agreement_id, party_id)
    user = _representative_user(cluster, party, user_id)
    if user.pk in selectors.representative_ids(cluster=cluster, party=party):
        raise ValidationError({"user": _("%(name)s already represents %(organization)s on this agreement.") % {
            "name": user.get_full_name() or user.get_username(), "organization": party.organization}})
    with audit(actor, service="representative_add"):
        assign_perm(permissions.REPRESENT, user, party)
    return party


@transaction.atomic
def representative_remove(*, cluster, actor, agreement_id: int, party_id: int, user_id: int) -> AgreementParty:
    party = _party_for_representatives(cluster, actor, agreement_id, party_id)
    if user_id not in selectors.representative_ids(cluster=cluster, party=party):
        raise ValidationError({"user": _("This person does not represent the party.")})
    with audit(actor, service="representative_remove"):
        remove_perm(permissions.REPRESENT, get_user_model().objects.get(pk=user_id), party)
    return party


# --- Obligations ---------------------------------------------------------------------------

@transaction.atomic
def obligation_add(*, cluster, actor, agreement_id: int, party_id: int, description: str,
                   due_date: datetime.date) -> Obligation:
    agreement = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, agreement)
    permissions.require(actor, cluster, "add_obligation", agreement)
    party = AgreementParty.objects.for_cluster(cluster).filter(pk=party_id, agreement=agreement).first()
    errors = {}
    if party is None:
        errors["party"] = [_("Choose a party of this agreement.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Describe the obligation.")]
    if due_date is None:
        errors["due_date"] = [_("Give the due date.")]
    if errors:
        raise ValidationError(errors)
    with audit(actor, service="obligation_add"):
        return Obligation.objects.create(cluster=cluster, agreement=agreement, party=party,
                                         description=description, due_date=due_date)


@transaction.atomic
def obligation_complete(*, cluster, actor, obligation_id: int) -> Obligation:
    obligation = (
        Obligation.objects.for_cluster(cluster).select_for_update(of=("self",))
        .select_related("party", "agreement").get(pk=obligation_id)
    )
    permissions.require_visible(actor, cluster, obligation.agreement)
    permissions.require(actor, cluster, "complete_obligation", obligation)
    if obligation.status not in (Obligation.Status.OPEN, Obligation.Status.OVERDUE):
        raise ValidationError({"status": _("Only an open or overdue obligation can be marked done.")})
    obligation.status = Obligation.Status.DONE
    obligation.completed_at = timezone.now()
    obligation.completed_by = actor
    with audit(actor, service="obligation_complete"):
        obligation.save(update_fields=["status", "completed_at", "completed_by"])
    return obligation


# --- The daily task ------------------------------------------------------------------------

@transaction.atomic
def agreements_daily(*, cluster, today: datetime.date) -> dict[str, int]:
    """Signed agreements whose start date has come become active, active or suspended ones past
    their end date expire, open obligations past their due date become overdue. A second run on the
    same day finds nothing left to do."""
    counts = {"activated": 0, "expired": 0, "overdue": 0}
    agreements = Agreement.objects.for_cluster(cluster).select_for_update().order_by("pk")
    with pghistory.context(user=None, service="agreements_daily"):
        for agreement in agreements.filter(status=Status.SIGNED, start_date__lte=today):
            _move(cluster, agreement, Status.ACTIVE, actor=None, comment=DAILY_TASK_COMMENT)
            counts["activated"] += 1
        for agreement in agreements.filter(status__in=[Status.ACTIVE, Status.SUSPENDED], end_date__lt=today):
            _move(cluster, agreement, Status.EXPIRED, actor=None, comment=DAILY_TASK_COMMENT)
            counts["expired"] += 1
        counts["overdue"] = Obligation.objects.for_cluster(cluster).filter(
            status=Obligation.Status.OPEN, due_date__lt=today).update(status=Obligation.Status.OVERDUE)
    return counts


# --- Documents -----------------------------------------------------------------------------

def _next_document_version(cluster, agreement, kind: str) -> int:
    # The caller holds the agreement row lock, so two uploads of the same kind queue here and
    # cannot both take the same number (the unique constraint would refuse the second anyway).
    last = AgreementDocument.objects.for_cluster(cluster).filter(agreement=agreement, kind=kind).aggregate(
        last=Max("version"))["last"]
    return (last or 0) + 1


def document_upload(*, cluster, actor, agreement_id: int, kind: str, upload) -> AgreementDocument:
    """A new version of the agreement's draft or signed scan.

    Permission first (an invisible agreement is DoesNotExist, a visible one the actor may not
    change is PermissionDenied), then the content is inspected (ValidationError on "file")
    before any lock is taken. Under the agreement row lock the version is allocated, the file
    stored under its generated name and the row written; if anything fails after the file was
    stored, the file is deleted, so a refused or failed upload leaves neither row nor file.
    (A rollback of an outer transaction of the caller cannot be seen from here: callers run
    this outside their own atomic blocks.)"""
    agreement = selectors.agreement_get(cluster=cluster, roles=roles_for(actor, cluster), pk=agreement_id)
    permissions.require(actor, cluster, "upload_document", agreement)
    if kind not in AgreementDocument.Kind.values:
        raise ValidationError({"kind": [_("Choose whether this is a draft or a signed scan.")]})
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    inspected = documents.inspect_upload(upload)
    name = documents.storage_name(cluster_id=cluster.pk, agreement_id=agreement.pk, inspected=inspected)
    display_name = documents.safe_display_name(getattr(upload, "name", ""), inspected)

    stored = None
    try:
        with transaction.atomic():
            agreement = selectors.agreement_get_for_update(cluster=cluster, pk=agreement.pk)
            version = _next_document_version(cluster, agreement, kind)
            stored = default_storage.save(name, upload)
            if stored != name:
                # The name carries a fresh uuid4; a storage that renamed it is misconfigured.
                raise RuntimeError(f"Storage renamed the agreement document {name!r} to {stored!r}.")
            document = AgreementDocument(
                cluster=cluster, agreement=agreement, kind=kind, version=version, display_name=display_name,
                content_type=inspected.content_type, size=inspected.size, sha256=inspected.sha256,
                uploaded_by=actor,
            )
            document.file.name = stored
            with audit(actor, service="document_upload"):
                document.save()
    except BaseException:
        if stored is not None:
            default_storage.delete(stored)
        raise
    return document


# --- Reminders -----------------------------------------------------------------------------

Reminder = AgreementReminder.Kind
EXPIRY_30_DAYS, EXPIRY_7_DAYS = 30, 7


def _expiry_kind(days_left: int) -> str | None:
    """Catching up by design: an agreement first seen 20 days before its end still gets the
    30-day reminder, one first seen 5 days before gets only the 7-day one."""
    if 0 <= days_left <= EXPIRY_7_DAYS:
        return Reminder.EXPIRY_7.value
    if EXPIRY_7_DAYS < days_left <= EXPIRY_30_DAYS:
        return Reminder.EXPIRY_30.value
    return None


def _send_reminder_on_commit(cluster_id: int, reminder_id: int) -> None:
    from .tasks import send_agreement_reminder

    transaction.on_commit(lambda: send_agreement_reminder.delay(cluster_id, reminder_id))


@transaction.atomic
def reminders_due(*, cluster, today: datetime.date) -> dict[str, int]:
    """Record the reminders due today and queue their emails after commit.

    Only active agreements are reminded of (a suspended, terminated or expired one is not,
    nor are its obligations): "expiry_30" when 7 < days left <= 30, "expiry_7" when
    0 <= days left <= 7, and "obligation_overdue" for each overdue obligation (or open one
    past its due date, should the daily task not have run yet). The reminder row is inserted
    first, in a savepoint (get_or_create); only a row this run created queues an email, so
    however often the task runs, and even when two runs overlap, each reminder is sent once.
    Returns the number of new reminders of each kind."""
    wanted = []
    horizon = today + datetime.timedelta(days=EXPIRY_30_DAYS)
    for agreement_id, end_date in (
        Agreement.objects.for_cluster(cluster)
        .filter(status=Status.ACTIVE, end_date__gte=today, end_date__lte=horizon)
        .order_by("pk").values_list("pk", "end_date")
    ):
        wanted.append((_expiry_kind((end_date - today).days), agreement_id, None))
    for obligation_id, agreement_id in (
        Obligation.objects.for_cluster(cluster)
        .filter(agreement__status=Status.ACTIVE)
        .filter(Q(status=Obligation.Status.OVERDUE) | Q(status=Obligation.Status.OPEN, due_date__lt=today))
        .order_by("pk").values_list("pk", "agreement_id")
    ):
        wanted.append((Reminder.OBLIGATION_OVERDUE.value, agreement_id, obligation_id))

    reminders = AgreementReminder.objects.for_cluster(cluster)
    already = set(reminders.filter(
        Q(kind__in=AgreementReminder.EXPIRY_KINDS, agreement_id__in=[a for k, a, o in wanted if o is None])
        | Q(kind=Reminder.OBLIGATION_OVERDUE, obligation_id__in=[o for k, a, o in wanted if o is not None])
    ).values_list("kind", "agreement_id", "obligation_id"))
    counts = dict.fromkeys(Reminder.values, 0)
    for key in wanted:
        if key in already:
            continue
        kind, agreement_id, obligation_id = key
        # get_or_create runs the INSERT in a savepoint and falls back to the row a concurrent
        # run inserted first, so `created` is true for exactly one of them.
        reminder, created = reminders.get_or_create(
            cluster=cluster, kind=kind, agreement_id=agreement_id, obligation_id=obligation_id)
        if created:
            counts[kind] += 1
            _send_reminder_on_commit(cluster.pk, reminder.pk)
    return counts
