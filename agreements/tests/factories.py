import datetime
import hashlib
import uuid

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from agreements.models import Agreement, AgreementDocument, AgreementParty, Obligation
from agreements.tests.test_documents import make_pdf
from members.tests.factories import ClusterFactory, OrganizationFactory


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    cluster = factory.SubFactory(ClusterFactory)
    number = factory.Sequence(lambda n: f"FAC-2026-{n:04d}")
    title = factory.Sequence(lambda n: f"Agreement {n}")
    kind = Agreement.Kind.MEMORANDUM
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)


class AgreementPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    cluster = factory.SelfAttribute("agreement.cluster")
    organization = factory.SubFactory(OrganizationFactory, cluster=factory.SelfAttribute("..cluster"))
    role = AgreementParty.Role.PARTNER


class ObligationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obligation

    party = factory.SubFactory(AgreementPartyFactory)
    agreement = factory.SelfAttribute("party.agreement")
    cluster = factory.SelfAttribute("party.cluster")
    description = "Host two internship groups"
    due_date = datetime.date(2026, 6, 1)


def _store(document) -> str:
    """Write the content under a generated name, as services.document_upload does. Tests that
    use this factory point MEDIA_ROOT at a temporary folder."""
    name = f"agreements/{document.cluster.pk}/{document.agreement.pk}/{uuid.uuid4().hex}.pdf"
    return default_storage.save(name, ContentFile(document.content))


class AgreementDocumentFactory(factory.django.DjangoModelFactory):
    """A PDF draft, stored; for tests that are not about the upload itself."""

    class Meta:
        model = AgreementDocument
        exclude = ["content"]

    agreement = factory.SubFactory(AgreementFactory)
    cluster = factory.SelfAttribute("agreement.cluster")
    kind = AgreementDocument.Kind.DRAFT
    version = factory.Sequence(lambda n: n + 1)
    content = factory.LazyFunction(make_pdf)
    display_name = "Draft.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    file = factory.LazyAttribute(_store)
