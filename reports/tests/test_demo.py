"""The demo reports seed_demo makes in tashkent-region: the last four quarters, ready, each with
its PDF and checksum, made as the beat makes them; a second run makes nothing."""

import hashlib
import re
import shutil
import tempfile
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from members.models import Cluster
from reports import periods
from reports.models import Report

MEDIA = tempfile.mkdtemp(prefix="demo-reports-")


@override_settings(DEMO_MODE=True, MEDIA_ROOT=MEDIA)
class DemoReportsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        call_command("seed_demo", stdout=cls.output)
        cls.cluster = Cluster.objects.get(slug="tashkent-region")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def reports(self):
        return Report.objects.for_cluster(self.cluster)

    def test_the_last_four_quarters_are_ready_with_their_pdfs_and_checksums(self):
        quarter = periods.last_ended("quarter", timezone.localdate())
        expected = []
        for _ in range(4):
            expected.append((quarter.start, quarter.end))
            quarter = quarter.previous()
        reports = list(self.reports().order_by("period_start"))
        self.assertEqual([(r.period_start, r.period_end) for r in reports], sorted(expected))
        for report in reports:
            self.assertEqual((report.kind, report.status, report.trigger, report.version, report.attempts),
                             ("quarter", "ready", "scheduled", 1, 1))
            # The beat's language: the cluster's first one.
            self.assertEqual(report.language, self.cluster.languages[0])
            with report.pdf.open("rb") as handle:
                body = handle.read()
            self.assertTrue(body.startswith(b"%PDF"))
            self.assertEqual(report.size, len(body))
            self.assertEqual(report.sha256, hashlib.sha256(body).hexdigest())
            self.assertEqual(report.data["current"]["period"]["code"],
                             periods.period_of("quarter", report.period_start).code)
        self.assertEqual(len({r.sha256 for r in reports}), 4)
        self.assertEqual(len({r.verification_code for r in reports}), 4)

    def test_it_says_what_it_made(self):
        self.assertRegex(self.output.getvalue(), r"tashkent-region: created 4 quarterly reports in [\d.]+ s\.")

    def test_the_samarkand_cluster_gets_none(self):
        samarkand = Cluster.objects.exclude(slug="tashkent-region").get()
        self.assertFalse(Report.objects.for_cluster(samarkand).exists())

    def test_a_second_run_makes_nothing(self):
        before = list(self.reports().values_list("pk", "sha256", "pdf", "finished_at"))
        output = StringIO()
        call_command("seed_demo", stdout=output)
        self.assertEqual(list(self.reports().values_list("pk", "sha256", "pdf", "finished_at")), before)
        self.assertIn("tashkent-region: quarterly reports already seeded, left unchanged.", output.getvalue())
        self.assertIsNone(re.search(r"created \d+ quarterly report", output.getvalue()))
