import datetime

import pytest
from django.db import IntegrityError, transaction

from programs.selectors import CODE_ALPHABET
from reports.models import Report

pytestmark = pytest.mark.django_db

Q1 = {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2026, 3, 31)}
READY = {"status": Report.Status.READY, "pdf": "reports/1/q1.pdf", "size": 1234, "sha256": "ab" * 32}


def report(cluster, **fields):
    values = {"kind": Report.Kind.QUARTER, "language": "en", **Q1, **fields}
    return Report.objects.create(cluster=cluster, **values)


def refused(cluster, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        report(cluster, **fields)


def test_a_version_is_unique_per_cluster_kind_and_period(cluster, other_cluster):
    report(cluster, version=1, **READY)
    refused(cluster, version=1, status=Report.Status.FAILED)
    # The next version, another kind of the same start, another cluster: all fine.
    report(cluster, version=2, **READY)
    report(cluster, kind=Report.Kind.MONTH, period_end=datetime.date(2026, 1, 31), version=1)
    report(other_cluster, version=1)
    assert Report.objects.for_cluster(cluster).filter(kind="quarter").count() == 2


@pytest.mark.parametrize("first", [Report.Status.QUEUED, Report.Status.RUNNING])
@pytest.mark.parametrize("second", [Report.Status.QUEUED, Report.Status.RUNNING])
def test_at_most_one_report_of_a_period_is_in_progress(cluster, first, second):
    report(cluster, version=1, status=first)
    refused(cluster, version=2, status=second)


def test_failed_and_ready_reports_do_not_block_a_new_version(cluster, other_cluster):
    report(cluster, version=1, status=Report.Status.FAILED, error="boom")
    report(cluster, version=2, **READY)
    in_progress = report(cluster, version=3, status=Report.Status.QUEUED)
    # Another kind of the same period and another cluster's report of it are no conflict.
    report(cluster, kind=Report.Kind.MONTH, period_end=datetime.date(2026, 1, 31), status=Report.Status.RUNNING)
    report(other_cluster, version=1, status=Report.Status.QUEUED)
    # Once it has failed, the period is free again.
    Report.objects.for_cluster(cluster).filter(pk=in_progress.pk).update(status=Report.Status.FAILED)
    report(cluster, version=4, status=Report.Status.QUEUED)


def test_a_ready_report_has_its_pdf_size_and_checksum(cluster):
    refused(cluster, status=Report.Status.READY)
    refused(cluster, **{**READY, "sha256": ""})
    refused(cluster, **{**READY, "sha256": "AB" * 32})
    refused(cluster, **{**READY, "size": None})
    refused(cluster, **{**READY, "pdf": ""})
    assert report(cluster, **READY).status == "ready"


def test_versions_are_positive_and_the_period_ends_after_it_starts(cluster):
    refused(cluster, version=0)
    refused(cluster, period_end=datetime.date(2025, 12, 31))


def test_each_report_gets_its_own_verification_code(cluster):
    first = report(cluster, version=1, status=Report.Status.FAILED)
    second = report(cluster, version=2)
    for code in (first.verification_code, second.verification_code):
        assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
    assert first.verification_code != second.verification_code
    refused(cluster, version=3, status=Report.Status.FAILED, verification_code=first.verification_code)


def test_defaults_and_text(cluster):
    item = report(cluster)
    assert (item.status, item.version, item.trigger, item.attempts, item.data) == ("queued", 1, "on_demand", 0, {})
    assert item.is_in_progress and item.requested_by is None
    assert str(item) == "Quarterly 2026-01-01–2026-03-31 v1"
