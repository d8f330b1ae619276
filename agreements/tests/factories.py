import datetime

import factory

from agreements.models import Agreement, AgreementParty, Obligation
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
