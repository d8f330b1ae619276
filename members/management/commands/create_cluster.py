"""Create a cluster (one region's tenant) from the command line, as a platform administrator."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from kombu.utils.url import maybe_sanitize_url

from cluster_platform import rls
from members import services


class Command(BaseCommand):
    help = (
        "Create a regional cluster. With --coordinator-email, also invite its first coordinator: "
        "the invitation email is sent by a Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help='e.g. "Fergana region pedagogical cluster"')
        parser.add_argument("--slug", required=True, help="used in URLs: /c/<slug>/, e.g. fergana-region")
        parser.add_argument("--region", required=True, help='e.g. "Fergana region"')
        parser.add_argument("--coordinator-email", default="", help="invite this address as the coordinator")
        parser.add_argument("--goals", default="", help="the cluster's goals, shown on its pages")
        parser.add_argument(
            "--languages", default="uz,ru,en", help="comma-separated language codes (default: uz,ru,en)"
        )

    @rls.platform_scope()  # platform-level work: it writes into clusters it makes
    def handle(self, *args, **options):
        email = options["coordinator_email"].strip()
        languages = [code.strip() for code in options["languages"].split(",") if code.strip()]
        if email:
            self._require_broker()
        try:
            with transaction.atomic():
                cluster = services.cluster_create(
                    actor=None, name=options["name"].strip(), slug=options["slug"].strip(),
                    region=options["region"].strip(), goals=options["goals"], languages=languages,
                )
                invitation = services.cluster_invite_coordinator(cluster=cluster, email=email) if email else None
        except ValidationError as error:
            raise CommandError(_describe(error)) from None

        self.stdout.write(self.style.SUCCESS(f'Created cluster "{cluster.name}" ({cluster.slug}).'))
        self.stdout.write(f"  Its pages: {settings.PUBLIC_BASE_URL.rstrip('/')}/c/{cluster.slug}/")
        self.stdout.write(f"  Applications: {settings.PUBLIC_BASE_URL.rstrip('/')}/apply/{cluster.slug}/")
        if invitation is not None:
            valid_until = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
            self.stdout.write(
                f"  Invited {invitation.email} as coordinator (the link is valid until {valid_until}); "
                "a Celery worker sends the email."
            )
        else:
            self.stdout.write("  No coordinator invited: invite one with --coordinator-email, or with the "
                              "\"Invite a coordinator\" field of the cluster in the admin (/admin/members/cluster/).")

    def _require_broker(self):
        """Refuse before writing anything if the invitation email could not be queued."""
        from cluster_platform.celery import app

        if app.conf.task_always_eager:
            return
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=5)
        except Exception as error:  # kombu raises a variety of transport errors
            broker = maybe_sanitize_url(app.conf.broker_url)
            raise CommandError(
                f"The Celery broker ({broker}) does not answer ({error}), so the invitation email could not "
                "be sent. Nothing was created; start the broker and run the command again."
            ) from None


# The command's option for each field a service may name in a ValidationError.
_OPTIONS = {"name": "--name", "slug": "--slug", "region": "--region", "goals": "--goals",
            "languages": "--languages", "email": "--coordinator-email"}


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        f"{_OPTIONS[field]}: {' '.join(messages)}" if field in _OPTIONS else " ".join(messages)
        for field, messages in error.message_dict.items()
    )
