"""API fuzzing: schemathesis builds requests from the OpenAPI schema drf-spectacular
produces and sends them to the application in process, once per role (coordinator,
authority, expert, organization admin, organization staff), against a cluster populated
with one object of every kind (tests/test_isolation.populate).

Every operation must answer without a 5xx, with a documented status code and content type
and a body that matches the schema; no operation is left out. Valid and invalid requests
are generated (schemathesis' positive and negative modes). Each runs in a savepoint that is
rolled back, so every example meets the same data; nothing is committed, so no task or
email queued on commit is ever sent (and mail goes to Django's locmem outbox anyway). The
ids in the path and the body are usually the sample objects', so the fuzzer gets past the
404 and into the services, and otherwise generated ones. Bounded for CI: a few examples per
operation, derandomized, no Hypothesis database, no shrinking.
"""

import contextlib
import datetime
import os
import re

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from innovations.models import Innovation
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory
from members.tests.factories import ClusterFactory, ClusterRoleFactory, OrganizationRoleFactory
from tests.test_isolation import SAMPLES, populate

ROLES = ["coordinator", "authority", "expert", "org_admin", "org_staff"]
# A deeper run on demand: FUZZ_MAX_EXAMPLES=100 pytest tests/test_api_fuzz.py
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
OPERATIONS = sorted((operation.path, operation.method.upper())
                    for operation in (result.ok() for result in SCHEMA.get_all_operations()))

APP = WSGIHandler()  # the application, called in process

CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]

_PATH_PARAMETER = re.compile(r"\{(\w+)\}")

# Body fields that name an object -> the sample to put there (a list gets a list of one), so
# that a generated body sometimes reaches the service with ids that exist.
BODY_SAMPLES = {
    "organization": "organization", "lead_organization": "organization", "origin_organization": "organization",
    "owner": "organization", "requester": "organization", "learned_from": "organization",
    "partners": "organization", "person": "person", "signatory": "person", "authors": "person",
    "agreement": "agreement", "party": "party", "program": "program", "session": "session",
    "enrollment": "enrollment", "innovation": "innovation", "resources": "resource",
    "expert": "expert_user", "user": "staff_user",
}


def sample_keys(path):
    """{path parameter: key of the sample object in `populate()`}, e.g. {"id": "agreement"}."""
    keys = {}
    for match in _PATH_PARAMETER.finditer(path):
        name = match.group(1)
        if name == "cluster_slug":
            continue
        before = path[: match.start()].rstrip("/").split("/")[-1]
        # drf-spectacular calls the router's `pk` keyword `id`.
        key = SAMPLES.get((before, "pk" if name == "id" else name))
        if key is None:
            pytest.fail(f"Add a sample to SAMPLES in tests/test_isolation.py: {path}: ({before!r}, {name!r})")
        keys[name] = key
    return keys


@contextlib.contextmanager
def connections_kept_open():
    """Django closes the database connection when a request finishes; the fuzzer's requests
    run inside the test's transaction, so it must stay open (Django's test client does the
    same around each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """A transaction around the whole module, rolled back at its end: the data is made once,
    and each test's own transaction (pytest-django) is a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    isolated = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
                                 EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    with isolated, connections_kept_open(), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            data = make_world()
        yield data


def make_world():
    """One populated cluster and an API token per role."""
    cluster = ClusterFactory(slug="fuzz-test", name="Fuzz test cluster")
    samples = populate(cluster)
    # populate() names files it does not write; the downloads should find them.
    for field in (samples["photo"].image, samples["attachment"].file, samples["report"].pdf):
        default_storage.save(field.name, ContentFile(b"sample"))
    organization = samples["organization"]
    reviewer = samples["review"].expert
    # Beside the submitted review, an open assignment of the same expert on an innovation
    # under review, so that drafting, submitting and withdrawing are reached too.
    in_review = InnovationFactory(origin_organization=organization, stage=Innovation.Stage.IN_REVIEW,
                                  stage_changed_at=timezone.now() - datetime.timedelta(days=3))
    samples["innovation"] = [samples["innovation"], in_review]
    samples["review"] = [samples["review"], ExpertReviewFactory(innovation=in_review, expert=reviewer)]
    samples["expert_user"] = reviewer
    samples["staff_user"] = samples["organization_role"].user
    users = {
        "coordinator": ClusterRoleFactory(cluster=cluster, role="coordinator").user,
        "authority": ClusterRoleFactory(cluster=cluster, role="authority").user,
        "expert": reviewer,
        "org_admin": OrganizationRoleFactory(organization=organization, role="admin").user,
        "org_staff": samples["organization_role"].user,
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return {"cluster": cluster, "samples": samples, "tokens": tokens}


def candidates(samples, key):
    value = samples[key]
    return [obj.pk for obj in value] if isinstance(value, list) else [value.pk]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p.removeprefix('/api/v1/c/{cluster_slug}')}"
                                                               for p, m in OPERATIONS])
def test_operation_answers_as_documented(db, world, role, path, method):
    operation = SCHEMA[path][method]
    headers = {"Authorization": f"Token {world['tokens'][role]}"}
    fixed = {"cluster_slug": world["cluster"].slug} if "{cluster_slug}" in path else {}
    samples = world["samples"]
    ids = {name: st.sampled_from(candidates(samples, key)) for name, key in sample_keys(path).items()}
    body_ids = {name: st.sampled_from(candidates(samples, key)) for name, key in BODY_SAMPLES.items()}
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
                         operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))

    # Unless `generated_ids` is 3 (one time in four, and never in Hypothesis' favourite
    # example, 0), the ids in the path and in the body are the samples'.
    @given(case=strategy, sample_ids=st.fixed_dictionaries(ids), sample_body_ids=st.fixed_dictionaries(body_ids),
           generated_ids=st.integers(0, 3))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, sample_ids, sample_body_ids, generated_ids):
        if generated_ids < 3:
            case.path_parameters.update(sample_ids)
            if isinstance(case.body, dict):
                for name in case.body.keys() & sample_body_ids.keys():
                    pk = sample_body_ids[name]
                    case.body[name] = [pk] if isinstance(case.body[name], list) else pk
        with transaction.atomic():
            try:
                response = case.call(app=APP, headers=headers)
            finally:
                transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
