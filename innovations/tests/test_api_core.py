"""The innovations REST API (core): /api/v1/c/<cluster_slug>/innovations/ with its `transition`
and `attachments` actions, and the attachment download and removal routes. Every refused write
also checks that nothing changed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agreements.tests.test_documents import make_pdf
from innovations.models import Innovation, InnovationAttachment, InnovationAuthor, Stage, StageTransition
from innovations.tests.factories import (
    ExpertReviewFactory,
    InnovationAttachmentFactory,
    InnovationFactory,
    StageTransitionFactory,
    add_authors,
)
from members.tests.factories import OrganizationFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TABLES = (Innovation, InnovationAuthor, StageTransition, InnovationAttachment)


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tables(cluster) -> dict:
    return {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values()) for model in TABLES}


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                               title="Project-based mathematics"), author)
    StageTransitionFactory(innovation=innovation)
    return innovation


# --- List ------------------------------------------------------------------------------------

def test_the_list_holds_what_the_caller_may_see_with_lean_rows(cluster, innovation, coordinator, org_admin):
    response = client_for(coordinator).get(url(cluster, "innovations"))
    assert response.status_code == 200
    assert ids(response) == [innovation.pk]
    row = response.data["results"][0]
    assert row["stage"] == "proposed" and row["origin_organization_name"] == "School No. 7"
    assert "authors" not in row and "summary" not in row
    assert client_for(org_admin).get(url(cluster, "innovations")).data["results"] == []


def test_the_list_filters(cluster, coordinator, origin):
    other = OrganizationFactory(cluster=cluster)
    digital = InnovationFactory(cluster=cluster, origin_organization=origin, kind="digital", title="E-diary")
    piloted = InnovationFactory(cluster=cluster, origin_organization=other, stage=Stage.PILOTING,
                                title="Peer tutoring", keywords=["tutoring"])
    client = client_for(coordinator)
    assert ids(client.get(url(cluster, "innovations"), {"stage": "piloting"})) == [piloted.pk]
    assert ids(client.get(url(cluster, "innovations"), {"kind": "digital"})) == [digital.pk]
    assert ids(client.get(url(cluster, "innovations"), {"origin": other.pk})) == [piloted.pk]
    assert ids(client.get(url(cluster, "innovations"), {"search": "tutoring"})) == [piloted.pk]
    assert ids(client.get(url(cluster, "innovations"), {"search": "e-DIARY"})) == [digital.pk]
    assert client.get(url(cluster, "innovations"), {"stage": "published"}).status_code == 400


def test_an_outsider_gets_404(cluster, innovation, outsider):
    client = client_for(outsider)
    assert client.get(url(cluster, "innovations")).status_code == 404
    assert client.get(url(cluster, "innovations", innovation.pk)).status_code == 404


def _count(user, cluster):
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(cluster, "innovations"))
    assert response.status_code == 200
    return len(captured), response.data["count"]


@pytest.mark.parametrize("who", ["coordinator", "origin_admin", "org_admin"])
def test_the_list_makes_the_same_number_of_queries_for_10_and_30(request, cluster, origin, author, who):
    user = request.getfixturevalue(who)

    def populate(n):
        for number in range(n):
            add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                          stage=Stage.values[number % 10]), author)

    populate(10)
    few, count_few = _count(user, cluster)
    populate(20)
    many, count_many = _count(user, cluster)
    assert count_many > count_few
    assert few == many <= 8


# --- Create, retrieve, update -----------------------------------------------------------------

def proposal(origin, *authors, **extra):
    return {"title": "Peer tutoring", "summary": "Older pupils tutor younger ones.", "kind": "methodological",
            "education_level": "school", "origin_organization": origin.pk, "authors": [a.pk for a in authors],
            "subject_fields": ["mathematics"], "keywords": ["tutoring"], **extra}


def test_a_teacher_proposes_through_the_api(cluster, origin, author):
    response = client_for(author.user).post(url(cluster, "innovations"), proposal(origin, author), format="json")
    assert response.status_code == 201, response.data
    assert response.data["stage"] == "proposed"
    assert [a["full_name"] for a in response.data["authors"]] == ["Dilnoza Karimova"]
    assert [t["to_stage"] for t in response.data["transitions"]] == ["proposed"]
    assert response.data["moves"] == ["archived"] and response.data["can_edit"] is True


def test_proposing_is_refused_with_the_field_named(cluster, origin, author, school, expert):
    before = tables(cluster)
    client = client_for(author.user)
    assert client.post(url(cluster, "innovations"), proposal(origin), format="json").status_code == 400
    response = client.post(url(cluster, "innovations"), proposal(origin, author, keywords=["x"] * 3, bogus=1),
                           format="json")
    assert response.status_code == 400 and "bogus" in response.data
    assert client.post(url(cluster, "innovations"), proposal(school, author), format="json").status_code == 403
    assert client_for(expert).post(url(cluster, "innovations"), proposal(origin, author),
                                   format="json").status_code == 403
    assert tables(cluster) == before


def test_the_title_in_other_languages_is_read_and_written(cluster, origin, author):
    client = client_for(author.user)
    response = client.post(url(cluster, "innovations"), proposal(origin, author, title_translations={
        "ru": "Взаимное обучение", "uz": " Oʻzaro oʻqitish "}), format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["title_translations"] == {"ru": "Взаимное обучение", "uz": "Oʻzaro oʻqitish"}
    listed = {row["id"]: row for row in client.get(url(cluster, "innovations")).data["results"]}
    assert listed[pk]["title_translations"]["uz"] == "Oʻzaro oʻqitish" and listed[pk]["title"] == "Peer tutoring"

    response = client.patch(url(cluster, "innovations", pk), {"title_translations": {"en": "Tutoring by peers"}},
                            format="json")
    assert response.status_code == 200, response.data
    assert response.data["title_translations"] == {"en": "Tutoring by peers"}

    before = tables(cluster)
    for bad in ({"de": "Nachhilfe"}, {"ru": "я" * 256}):
        response = client.patch(url(cluster, "innovations", pk), {"title_translations": bad}, format="json")
        assert response.status_code == 400 and "title_translations" in response.data, (bad, response.data)
    response = client.post(url(cluster, "innovations"), proposal(origin, author, title_translations={"xx": "?"}),
                           format="json")
    assert response.status_code == 400 and "title_translations" in response.data
    assert tables(cluster) == before


def test_retrieve_shows_authors_timeline_attachments_and_moves(cluster, innovation, coordinator):
    attachment = InnovationAttachmentFactory(innovation=innovation)
    response = client_for(coordinator).get(url(cluster, "innovations", innovation.pk))
    assert response.status_code == 200
    assert response.data["authors"][0]["full_name"] == "Dilnoza Karimova"
    assert response.data["authors_hidden"] is False
    assert [a["id"] for a in response.data["attachments"]] == [attachment.pk]
    assert response.data["attachments"][0]["download_url"].endswith(
        f"/api/v1/c/{cluster.slug}/innovations/attachments/{attachment.pk}/download/")
    assert response.data["moves"] == ["in_review", "rejected", "archived"]


def test_retrieve_hides_the_authors_from_a_blind_reviewer(cluster, innovation, experts):
    from innovations.models import InnovationPolicy

    InnovationPolicy.objects.create(cluster=cluster, blind_review=True)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    response = client_for(experts[0]).get(url(cluster, "innovations", innovation.pk))
    assert response.status_code == 200
    assert response.data["authors_hidden"] is True and response.data["authors"] == []


def test_an_innovation_the_caller_cannot_see_is_404(cluster, innovation, org_admin, expert):
    for user in (org_admin, expert):
        assert client_for(user).get(url(cluster, "innovations", innovation.pk)).status_code == 404


def test_an_author_edits_through_the_api_while_editable(cluster, innovation, author, origin):
    colleague = PersonFactory(organization=origin)
    client = client_for(author.user)
    response = client.patch(url(cluster, "innovations", innovation.pk),
                            {"title": "Projects in maths", "authors": [author.pk, colleague.pk]}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["title"] == "Projects in maths" and len(response.data["authors"]) == 2

    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.IN_REVIEW)
    before = tables(cluster)
    response = client.patch(url(cluster, "innovations", innovation.pk), {"title": "Late"}, format="json")
    assert response.status_code == 400 and "stage" in response.data
    assert tables(cluster) == before


def test_others_may_not_edit(cluster, innovation, authority, org_admin):
    before = tables(cluster)
    assert client_for(authority).patch(url(cluster, "innovations", innovation.pk), {"title": "X"},
                                       format="json").status_code == 403
    assert client_for(org_admin).patch(url(cluster, "innovations", innovation.pk), {"title": "X"},
                                       format="json").status_code == 404
    assert tables(cluster) == before


# --- Transition ------------------------------------------------------------------------------

def test_the_coordinator_moves_an_innovation(cluster, innovation, coordinator, experts):
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    response = client_for(coordinator).post(url(cluster, "innovations", innovation.pk, "transition"),
                                            {"to_stage": "in_review", "expected_stage": "proposed",
                                             "comment": "Off to the experts."}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["stage"] == "in_review"
    assert response.data["transitions"][-1]["comment"] == "Off to the experts."
    assert response.data["transitions"][-1]["actor_username"] == "coord"


def test_a_refused_move_says_why_and_changes_nothing(cluster, innovation, coordinator, author):
    before = tables(cluster)
    client = client_for(coordinator)
    response = client.post(url(cluster, "innovations", innovation.pk, "transition"), {"to_stage": "in_review"},
                           format="json")
    assert response.status_code == 400
    assert response.data["stage"] == ["0 of the 2 experts needed are assigned: a coordinator assigns the others."]
    response = client.post(url(cluster, "innovations", innovation.pk, "transition"), {"to_stage": "piloting"},
                           format="json")
    assert response.data["to_stage"] == ["An innovation cannot move from proposed to piloting."]
    response = client.post(url(cluster, "innovations", innovation.pk, "transition"),
                           {"to_stage": "archived", "expected_stage": "in_review"}, format="json")
    assert response.status_code == 400 and "meanwhile" in response.data["stage"][0]
    assert client_for(author.user).post(url(cluster, "innovations", innovation.pk, "transition"),
                                        {"to_stage": "rejected", "comment": "x"}, format="json").status_code == 403
    assert tables(cluster) == before


def test_a_move_of_an_invisible_innovation_is_404(cluster, innovation, org_admin, outsider):
    before = tables(cluster)
    for user in (org_admin, outsider):
        assert client_for(user).post(url(cluster, "innovations", innovation.pk, "transition"),
                                     {"to_stage": "archived"}, format="json").status_code == 404
    assert tables(cluster) == before


# --- Attachments ------------------------------------------------------------------------------

def test_attachments_are_uploaded_listed_downloaded_and_removed(cluster, innovation, author):
    client = client_for(author.user)
    response = client.post(url(cluster, "innovations", innovation.pk, "attachments"), {
        "file": SimpleUploadedFile("Handbook.pdf", make_pdf()), "description": "The handbook"}, format="multipart")
    assert response.status_code == 201, response.data
    attachment_id = response.data["id"]
    assert response.data["content_type"] == "application/pdf" and response.data["size"] == len(make_pdf())

    listed = client.get(url(cluster, "innovations", innovation.pk, "attachments"))
    assert [row["id"] for row in listed.data["results"]] == [attachment_id]

    download = client.get(url(cluster, "innovations", "attachments", attachment_id, "download"),
                          HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == make_pdf()
    assert download["Content-Disposition"] == 'attachment; filename="Handbook.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"

    assert client.delete(url(cluster, "innovations", "attachments", attachment_id)).status_code == 204
    assert not InnovationAttachment.objects.for_cluster(cluster).exists()


def test_a_hostile_upload_is_400(cluster, innovation, author):
    response = client_for(author.user).post(url(cluster, "innovations", innovation.pk, "attachments"), {
        "file": SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>")}, format="multipart")
    assert response.status_code == 400 and "file" in response.data
    assert not InnovationAttachment.objects.for_cluster(cluster).exists()


def test_attachment_routes_refuse_who_may_not(cluster, innovation, authority, org_admin, outsider):
    attachment = InnovationAttachmentFactory(innovation=innovation)
    before = tables(cluster)
    upload = {"file": SimpleUploadedFile("Handbook.pdf", make_pdf())}
    assert client_for(authority).post(url(cluster, "innovations", innovation.pk, "attachments"), upload,
                                      format="multipart").status_code == 403
    assert client_for(authority).delete(url(cluster, "innovations", "attachments", attachment.pk)).status_code == 403
    for user in (org_admin, outsider):
        client = client_for(user)
        assert client.get(url(cluster, "innovations", innovation.pk, "attachments")).status_code == 404
        assert client.get(url(cluster, "innovations", "attachments", attachment.pk, "download")).status_code == 404
        assert client.delete(url(cluster, "innovations", "attachments", attachment.pk)).status_code == 404
    assert tables(cluster) == before
