"""Every state change of the agreements app: one function per use case.

Each loads the rows with the cluster in the query, checks permission, validates (raising a
ValidationError that names the field, or "status" with the reason a move is refused), writes
in one transaction and leaves the audit trail: pghistory events carry the acting user and
the service, and every status move is also a row of the agreement's timeline.
"""

from __future__ import annotations

import datetime

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cluster_platform.tenancy import roles_for
from members.models import Organization, Person

from . import permissions, selectors
from .models import Agreement, AgreementNumberSequence, AgreementParty, AgreementTransition, Obligation

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
    (Status.ACTIVE, Status.SUSPENDED): COORDINATOR,
    (Status.SUSPENDED, Status.ACTIVE): COORDINATOR,
    **{(status, Status.TERMINATED): COORDINATOR for status in Status if status not in Agreement.FINAL_STATUSES},
}
RENEWABLE = {Status.SIGNED, Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED}


def _audit(actor, **extra):
    return pghistory.context(user=getattr(actor, "pk", None), **extra)


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
    with _audit(actor, service="agreement_create"):
        return _create(cluster, actor=actor, title=title, kind=kind, start_date=start_date, end_date=end_date,
                       parties=loaded, description=description)


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
        permitted = permissions.can_manage(roles) if who == COORDINATOR else permissions.can_propose(roles, agreement)
        if not permitted:
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
    with _audit(actor, service="agreement_transition"):
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
    with _audit(actor, service="agreement_sign"):
        party.save(update_fields=["signatory", "signed_on", "signed_by_name"])
    return party


@transaction.atomic
def agreement_renew(*, cluster, actor, agreement_id: int, start_date: datetime.date,
                    end_date: datetime.date) -> Agreement:
    """A new draft with the same parties (unsigned), a new number, and renewal_of set."""
    previous = selectors.agreement_get_for_update(cluster=cluster, pk=agreement_id)
    permissions.require_visible(actor, cluster, previous)
    permissions.require(actor, cluster, "propose", previous)
    if previous.status not in RENEWABLE:
        raise ValidationError({"status": _("Only a signed, active, suspended or expired agreement can be renewed.")})
    parties = _validate_parties(cluster, [
        {"organization_id": party.organization_id, "role": party.role, "signatory_id": party.signatory_id}
        for party in previous.parties.all()
    ])
    with _audit(actor, service="agreement_renew"):
        return _create(cluster, actor=actor, title=previous.title, kind=previous.kind, start_date=start_date,
                       end_date=end_date, parties=parties, description=previous.description, renewal_of=previous)


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
    with _audit(actor, service="obligation_add"):
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
    with _audit(actor, service="obligation_complete"):
        obligation.save(update_fields=["status", "completed_at", "completed_by"])
    return obligation


# --- The daily task ------------------------------------------------------------------------

@transaction.atomic
def agreements_daily(*, cluster, today: datetime.date) -> dict[str, int]:
    """Signed agreements whose start date has come become active, active ones past their end
    date expire, open obligations past their due date become overdue. A second run on the
    same day finds nothing left to do."""
    counts = {"activated": 0, "expired": 0, "overdue": 0}
    agreements = Agreement.objects.for_cluster(cluster).select_for_update().order_by("pk")
    with pghistory.context(user=None, service="agreements_daily"):
        for agreement in agreements.filter(status=Status.SIGNED, start_date__lte=today):
            _move(cluster, agreement, Status.ACTIVE, actor=None, comment=DAILY_TASK_COMMENT)
            counts["activated"] += 1
        for agreement in agreements.filter(status=Status.ACTIVE, end_date__lt=today):
            _move(cluster, agreement, Status.EXPIRED, actor=None, comment=DAILY_TASK_COMMENT)
            counts["expired"] += 1
        counts["overdue"] = Obligation.objects.for_cluster(cluster).filter(
            status=Obligation.Status.OPEN, due_date__lt=today).update(status=Obligation.Status.OVERDUE)
    return counts
