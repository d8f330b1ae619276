"""create_cluster: how a platform administrator opens a new region."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from members.models import Cluster, ClusterRole, Invitation


def _create_cluster(*extra):
    out = StringIO()
    call_command(
        "create_cluster", "--name", "Fergana region pedagogical cluster", "--slug", "fergana-region",
        "--region", "Fergana region", *extra, stdout=out,
    )
    return out.getvalue()


def test_create_cluster_creates_the_cluster(db):
    output = _create_cluster("--goals", "Lift every red school by 2028.")

    cluster = Cluster.objects.get(slug="fergana-region")
    assert cluster.name == "Fergana region pedagogical cluster"
    assert cluster.region == "Fergana region"
    assert cluster.goals == "Lift every red school by 2028."
    assert cluster.languages == ["uz", "ru", "en"]
    assert cluster.is_active
    assert not ClusterRole.objects.for_cluster(cluster).exists()
    assert not Invitation.objects.for_cluster(cluster).exists()
    assert "/apply/fergana-region/" in output


def test_create_cluster_invites_the_coordinator_by_email(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = _create_cluster("--coordinator-email", " Head@Fergana.Example.org ")

    cluster = Cluster.objects.get(slug="fergana-region")
    invitation = Invitation.objects.for_cluster(cluster).get()
    assert invitation.email == "head@fergana.example.org"
    assert invitation.cluster_role == ClusterRole.Role.COORDINATOR
    assert invitation.invited_by is None
    assert invitation.accepted_at is None
    assert "head@fergana.example.org" in output
    (email,) = mail.outbox
    assert email.to == ["head@fergana.example.org"]
    assert "Fergana region pedagogical cluster" in email.subject
    assert "/invitations/" in email.body
    # The coordinator role comes with accepting the invitation, not before.
    assert not ClusterRole.objects.for_cluster(cluster).exists()


def test_create_cluster_refuses_a_duplicate_slug(cluster):
    with pytest.raises(CommandError, match=r"--slug: Cluster with this Slug already exists"):
        call_command(
            "create_cluster", "--name", "Another", "--slug", cluster.slug, "--region", "Elsewhere",
            "--coordinator-email", "someone@example.org", stdout=StringIO(),
        )
    assert Cluster.objects.count() == 1
    assert Cluster.objects.get().name == "Tashkent test cluster"
    assert not Invitation.objects.for_cluster(cluster).exists()
    assert mail.outbox == []


def test_create_cluster_refuses_an_invalid_email_and_creates_nothing(db):
    with pytest.raises(CommandError, match="--coordinator-email: Enter a valid email address"):
        _create_cluster("--coordinator-email", "not-an-address")
    assert not Cluster.objects.exists()
