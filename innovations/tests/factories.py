import datetime

import factory
from django.utils import timezone

from innovations.models import Adoption, ExpertReview, Innovation, Pilot, PilotMeasure, StageTransition
from members.tests.factories import OrganizationFactory


class InnovationFactory(factory.django.DjangoModelFactory):
    """An innovation row written directly (no rules checked, no transition rows): proposed."""

    class Meta:
        model = Innovation

    origin_organization = factory.SubFactory(OrganizationFactory, name="School No. 7")
    cluster = factory.SelfAttribute("origin_organization.cluster")
    title = factory.Sequence(lambda n: f"Project-based mathematics {n}")
    summary = "Pupils solve problems of their own town in small teams."
    kind = Innovation.Kind.METHODOLOGICAL
    education_level = Innovation.Level.SCHOOL
    subject_fields = ["mathematics"]
    stage = Innovation.Stage.PROPOSED
    stage_changed_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


class StageTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageTransition

    innovation = factory.SubFactory(InnovationFactory)
    cluster = factory.SelfAttribute("innovation.cluster")
    from_stage = ""
    to_stage = Innovation.Stage.PROPOSED
    created_at = factory.LazyFunction(timezone.now)


class ExpertReviewFactory(factory.django.DjangoModelFactory):
    """An assignment; pass scores=N (1-5) to make it a submitted review with every criterion N."""

    class Meta:
        model = ExpertReview

    innovation = factory.SubFactory(InnovationFactory)
    cluster = factory.SelfAttribute("innovation.cluster")
    round = 1
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    assigned_at = factory.LazyFunction(timezone.now)

    # `scores` is taken here rather than declared in `class Params`: factory_boy never hands
    # Params to _create, so the submitted review would lose its scores.
    @classmethod
    def _create(cls, model_class, *args, scores=None, **kwargs):
        if scores is not None:
            for name in ("novelty", "relevance", "feasibility", "evidence", "transferability"):
                kwargs.setdefault(name, scores)
            kwargs.setdefault("recommendation", ExpertReview.Recommendation.PILOT)
            kwargs.setdefault("status", ExpertReview.Status.SUBMITTED)
            kwargs.setdefault("submitted_at", timezone.now())
        return super()._create(model_class, *args, **kwargs)


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot

    innovation = factory.SubFactory(InnovationFactory)
    cluster = factory.SelfAttribute("innovation.cluster")
    organization = factory.SubFactory(OrganizationFactory, cluster=factory.SelfAttribute("..cluster"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    end_date = factory.LazyFunction(timezone.localdate)
    status = Pilot.Status.RUNNING


class PilotMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotMeasure

    pilot = factory.SubFactory(PilotFactory)
    cluster = factory.SelfAttribute("pilot.cluster")
    name = factory.Sequence(lambda n: f"Mean test score {n}")
    unit = "%"
    baseline = 54


class AdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adoption

    innovation = factory.SubFactory(InnovationFactory)
    cluster = factory.SelfAttribute("innovation.cluster")
    organization = factory.SubFactory(OrganizationFactory, cluster=factory.SelfAttribute("..cluster"))
    learned_from = factory.SelfAttribute("innovation.origin_organization")
    started_on = factory.LazyFunction(timezone.localdate)
    status = Adoption.Status.ADOPTED


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    """An expert's subject fields; pass cluster and user."""

    class Meta:
        model = "innovations.ExpertProfile"

    subject_fields = factory.LazyFunction(list)


class InnovationPolicyFactory(factory.django.DjangoModelFactory):
    """The cluster's review policy row (the defaults unless given); pass cluster."""

    class Meta:
        model = "innovations.InnovationPolicy"
        django_get_or_create = ["cluster"]


def transition_at(innovation, to_stage, when, from_stage=""):
    """A StageTransition row at a given moment (a hand-made history for the figures)."""
    return StageTransitionFactory(innovation=innovation, cluster=innovation.cluster, from_stage=from_stage,
                                  to_stage=to_stage, created_at=when)


def add_authors(innovation, *people):
    """Make these people the innovation's authors (the lead first), with the co-author grant for
    those with an account, as the services do."""
    from innovations.services.lifecycle import set_authors

    set_authors(innovation.cluster, innovation, list(people))
    return innovation


def _store_attachment(attachment) -> str:
    """Write the content under a generated name, as services.attachment_add does. Tests that use
    InnovationAttachmentFactory point MEDIA_ROOT at a temporary folder."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = f"innovations/{attachment.cluster.pk}/{attachment.innovation.pk}/{uuid.uuid4().hex}.pdf"
    return default_storage.save(name, ContentFile(attachment.content))


def _pdf() -> bytes:
    from agreements.tests.test_documents import make_pdf

    return make_pdf()


def _sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


class InnovationAttachmentFactory(factory.django.DjangoModelFactory):
    """A stored PDF attachment, for tests that are not about the upload itself."""

    class Meta:
        model = "innovations.InnovationAttachment"
        exclude = ["content"]

    innovation = factory.SubFactory(InnovationFactory)
    cluster = factory.SelfAttribute("innovation.cluster")
    content = factory.LazyFunction(_pdf)
    original_name = "Method handbook.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: _sha256(o.content))
    file = factory.LazyAttribute(_store_attachment)


class SubmittedReviewFactory(ExpertReviewFactory):
    """A submitted review with every criterion `score` (default 4) and a recommendation.
    (ExpertReviewFactory's `scores` is declared in Params, which factory_boy consumes before
    `_create` runs, so it never reaches it.)"""

    class Params:
        score = 4

    novelty = factory.SelfAttribute("score")
    relevance = factory.SelfAttribute("score")
    feasibility = factory.SelfAttribute("score")
    evidence = factory.SelfAttribute("score")
    transferability = factory.SelfAttribute("score")
    recommendation = ExpertReview.Recommendation.PILOT
    status = ExpertReview.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
