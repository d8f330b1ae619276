"""The core browser pages of innovations: the catalogue, the board, the innovation page,
proposing and editing, stage moves and "my innovations"; who gets 403 or 404, refusals shown
with 422, and query counts that do not grow with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from innovations.models import Innovation, InnovationAuthor, InnovationPolicy, Stage, StageTransition
from innovations.tests.factories import (
    ExpertReviewFactory,
    InnovationFactory,
    StageTransitionFactory,
    add_authors,
)
from members.models import Person
from members.tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                               title="Project-based mathematics", keywords=["projects"]), author)
    StageTransitionFactory(innovation=innovation, comment="")
    return innovation


def login(client, user):
    client.force_login(user)
    return client


def stage_of(innovation):
    return Innovation.objects.for_cluster(innovation.cluster).get(pk=innovation.pk).stage


def count_queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


# --- The catalogue ---------------------------------------------------------------------------

def test_the_catalogue_lists_what_the_reader_may_see(client, cluster, innovation, org_admin, coordinator):
    login(client, coordinator)
    assert "Project-based mathematics" in client.get(url("innovation_list", cluster)).text
    login(client, org_admin)
    response = client.get(url("innovation_list", cluster))
    assert response.status_code == 200
    assert "Project-based mathematics" not in response.text
    assert "There are no innovations you can see yet." in response.text


def test_the_catalogue_filters(client, cluster, coordinator, origin):
    other = OrganizationFactory(cluster=cluster, name="Lyceum No. 2")
    InnovationFactory(cluster=cluster, origin_organization=origin, title="Digital diary", kind="digital",
                      subject_fields=["digital"], keywords=["diary"])
    InnovationFactory(cluster=cluster, origin_organization=other, title="Inclusive lessons", kind="methodological",
                      education_level="preschool", stage=Stage.PILOTING, subject_fields=["inclusive"])
    login(client, coordinator)

    def titles(**params):
        response = client.get(url("innovation_list", cluster), params)
        assert response.status_code == 200
        return [row.title for row in response.context["innovations"]]

    assert sorted(titles()) == ["Digital diary", "Inclusive lessons"]
    assert titles(stage="piloting") == ["Inclusive lessons"]
    assert titles(kind="digital") == ["Digital diary"]
    assert titles(level="preschool") == ["Inclusive lessons"]
    assert titles(origin=other.pk) == ["Inclusive lessons"]
    assert titles(subject_field="digital") == ["Digital diary"]
    assert titles(q="diary") == ["Digital diary"]
    assert titles(q="INCLUSIVE") == ["Inclusive lessons"]
    no_match = client.get(url("innovation_list", cluster), {"q": "astronomy"})
    assert "No innovation matches these filters." in no_match.text


def test_the_catalogue_is_paginated(client, cluster, coordinator, origin):
    InnovationFactory.create_batch(30, cluster=cluster, origin_organization=origin)
    login(client, coordinator)
    assert len(client.get(url("innovation_list", cluster)).context["innovations"]) == 25
    assert len(client.get(url("innovation_list", cluster), {"page": 2}).context["innovations"]) == 5


def test_an_outsider_gets_404_everywhere(client, cluster, innovation, outsider):
    login(client, outsider)
    for name, args in (("innovation_list", ()), ("innovation_board", ()), ("innovation_mine", ()),
                       ("innovation_create", ()), ("innovation_detail", (innovation.pk,)),
                       ("innovation_transition", (innovation.pk,)), ("innovation_edit", (innovation.pk,))):
        assert client.get(url(name, cluster, *args)).status_code == 404, name


def test_another_clusters_innovation_is_404_in_ones_own_cluster(client, cluster, other_cluster, coordinator):
    elsewhere = InnovationFactory(origin_organization=OrganizationFactory(cluster=other_cluster))
    login(client, coordinator)
    assert client.get(url("innovation_detail", cluster, elsewhere.pk)).status_code == 404
    response = client.post(url("innovation_transition", cluster, elsewhere.pk),
                           {"to_stage": "archived", "confirmed": "1"})
    assert response.status_code == 404
    assert stage_of(elsewhere) == Stage.PROPOSED


# --- The board -------------------------------------------------------------------------------

def test_the_board_is_for_coordinators(client, cluster, innovation, author, authority, origin_admin):
    for user in (author.user, authority, origin_admin):
        login(client, user)
        assert client.get(url("innovation_board", cluster)).status_code == 403


def test_the_board_shows_a_column_per_stage_with_cards_and_their_moves(client, cluster, innovation, coordinator):
    InnovationFactory(cluster=cluster, origin_organization=innovation.origin_organization, title="Piloted one",
                      stage=Stage.PILOTING)
    login(client, coordinator)
    response = client.get(url("innovation_board", cluster))
    assert response.status_code == 200
    columns = {column["stage"]: column for column in response.context["columns"]}
    assert list(columns) == Stage.values
    assert [card.title for card in columns["proposed"]["cards"]] == ["Project-based mathematics"]
    assert columns["piloting"]["count"] == 1
    card = response.text[response.text.index(f'id="card-{innovation.pk}"'):]
    card = card[:card.index("</article>")]
    assert "School No. 7" in card and "0 days in this stage" in card
    assert 'name="expected_stage" value="proposed"' in card
    assert 'name="to_stage" value="in_review"' in card and 'name="to_stage" value="rejected"' in card


def test_a_card_moves_from_the_board_and_returns_to_it(client, cluster, innovation, coordinator, experts):
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    login(client, coordinator)
    board = url("innovation_board", cluster)
    response = client.post(url("innovation_transition", cluster, innovation.pk), {
        "to_stage": "in_review", "expected_stage": "proposed", "confirmed": "1", "next": board})
    assert response.status_code == 302 and response["Location"] == board
    assert stage_of(innovation) == Stage.IN_REVIEW


def test_a_refused_move_from_the_board_shows_the_guards_reason_with_422(client, cluster, innovation, coordinator):
    login(client, coordinator)
    response = client.post(url("innovation_transition", cluster, innovation.pk), {
        "to_stage": "in_review", "expected_stage": "proposed", "confirmed": "1",
        "next": url("innovation_board", cluster)})
    assert response.status_code == 422
    assert "The move to in review was refused:" in response.text
    assert "0 of the 2 experts needed are assigned: a coordinator assigns the others." in response.text
    assert stage_of(innovation) == Stage.PROPOSED
    assert StageTransition.objects.for_cluster(cluster).filter(innovation=innovation).count() == 1


def test_a_move_from_a_stale_board_is_refused_with_422(client, cluster, innovation, coordinator):
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.ARCHIVED)
    login(client, coordinator)
    response = client.post(url("innovation_transition", cluster, innovation.pk), {
        "to_stage": "in_review", "expected_stage": "proposed", "confirmed": "1"})
    assert response.status_code == 422
    assert "Someone moved it to archived meanwhile: look again before you move it." in response.text


def test_a_reject_from_the_board_asks_for_confirmation_and_a_reason_first(client, cluster, innovation, coordinator):
    login(client, coordinator)
    address = url("innovation_transition", cluster, innovation.pk)
    confirm = client.post(address, {"to_stage": "rejected", "expected_stage": "proposed",
                                    "next": url("innovation_board", cluster)})
    assert confirm.status_code == 200
    assert "Reject: are you sure?" in confirm.text and 'name="confirmed" value="1"' in confirm.text
    assert stage_of(innovation) == Stage.PROPOSED

    refused = client.post(address, {"to_stage": "rejected", "expected_stage": "proposed", "confirmed": "1",
                                    "comment": ""})
    assert refused.status_code == 422
    assert "Give the reason: the authors read it." in refused.text
    assert stage_of(innovation) == Stage.PROPOSED

    done = client.post(address, {"to_stage": "rejected", "expected_stage": "proposed", "confirmed": "1",
                                 "comment": "Known since 1990."})
    assert done.status_code == 302
    assert stage_of(innovation) == Stage.REJECTED


# --- The transition page ---------------------------------------------------------------------

def test_the_transition_page_offers_the_readers_moves(client, cluster, innovation, author, coordinator):
    login(client, author.user)
    response = client.get(url("innovation_transition", cluster, innovation.pk))
    assert [move["stage"] for move in response.context["moves"]] == ["archived"]
    assert "Withdraw" in response.text
    login(client, coordinator)
    response = client.get(url("innovation_transition", cluster, innovation.pk), {"to": "archived"})
    assert response.status_code == 200 and "Withdraw: are you sure?" in response.text
    assert 'name="comment"' in response.text


def test_readers_who_cannot_steer_get_403_and_change_nothing(client, cluster, innovation, authority, experts):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    for user in (authority, experts[0]):
        login(client, user)
        assert client.get(url("innovation_transition", cluster, innovation.pk)).status_code == 403
        response = client.post(url("innovation_transition", cluster, innovation.pk),
                               {"to_stage": "archived", "confirmed": "1", "comment": "x"})
        assert response.status_code == 403
    assert stage_of(innovation) == Stage.PROPOSED


def test_an_author_trying_a_coordinators_move_gets_403(client, cluster, innovation, author, experts):
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    login(client, author.user)
    response = client.post(url("innovation_transition", cluster, innovation.pk),
                           {"to_stage": "in_review", "expected_stage": "proposed", "confirmed": "1"})
    assert response.status_code == 403
    assert stage_of(innovation) == Stage.PROPOSED


# --- The innovation page --------------------------------------------------------------------

def test_the_innovation_page_shows_the_proposal_its_timeline_and_moves(client, cluster, innovation, coordinator):
    StageTransitionFactory(innovation=innovation, from_stage="proposed", to_stage="in_review", actor=coordinator,
                           comment="Two experts assigned.")
    login(client, coordinator)
    response = client.get(url("innovation_detail", cluster, innovation.pk))
    assert response.status_code == 200
    text = response.text
    assert "Dilnoza Karimova" in text and "lead author" in text
    assert "Mathematics" in text and "projects" in text
    assert "Two experts assigned." in text and "coord" in text
    assert [move["stage"] for move in response.context["moves"]] == ["in_review", "rejected", "archived"]


def test_a_blind_reviewer_reads_the_innovation_without_its_authors(client, cluster, innovation, experts,
                                                                   coordinator, author):
    InnovationPolicy.objects.create(cluster=cluster, blind_review=True)
    StageTransitionFactory(innovation=innovation, from_stage="proposed", to_stage="in_review", actor=author.user)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    login(client, experts[0])
    response = client.get(url("innovation_detail", cluster, innovation.pk))
    assert response.status_code == 200
    assert "Dilnoza Karimova" not in response.text and "— author" not in response.text
    assert "Hidden for a blind review" in response.text
    assert "School No. 7" not in response.text
    login(client, coordinator)
    assert "Dilnoza Karimova" in client.get(url("innovation_detail", cluster, innovation.pk)).text


def test_without_blind_review_the_expert_sees_the_authors(client, cluster, innovation, experts):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    login(client, experts[0])
    assert "Dilnoza Karimova" in client.get(url("innovation_detail", cluster, innovation.pk)).text


def test_an_innovation_the_reader_cannot_see_is_404(client, cluster, innovation, org_admin, expert):
    for user in (org_admin, expert):
        login(client, user)
        assert client.get(url("innovation_detail", cluster, innovation.pk)).status_code == 404


# --- Propose and edit -----------------------------------------------------------------------

def test_a_teacher_proposes_an_innovation_with_a_co_author(client, cluster, origin, author):
    colleague = PersonFactory(organization=origin, full_name="Aziz Rakhimov")
    login(client, author.user)
    form = client.get(url("innovation_create", cluster))
    assert form.status_code == 200
    assert form.context["form"].initial == {"origin_organization": origin.pk, "lead_author": author.pk}
    response = client.post(url("innovation_create", cluster), {
        "title": "Flipped classroom in physics", "summary": "Pupils watch at home, solve in class.",
        "kind": "methodological", "education_level": "school", "origin_organization": origin.pk,
        "lead_author": author.pk, "co_authors": [colleague.pk], "subject_fields": ["sciences", "digital"],
        "keywords": "flipped, video ,  physics", "expected_effect": "More time for practice.",
    })
    assert response.status_code == 302
    innovation = Innovation.objects.for_cluster(cluster).get(title="Flipped classroom in physics")
    assert response["Location"] == url("innovation_detail", cluster, innovation.pk)
    assert innovation.keywords == ["flipped", "video", "physics"]
    assert innovation.subject_fields == ["sciences", "digital"]
    assert list(InnovationAuthor.objects.for_cluster(cluster).filter(innovation=innovation)
                .values_list("person_id", flat=True)) == [author.pk, colleague.pk]
    assert innovation.stage == Stage.PROPOSED



def test_the_authors_offered_are_never_the_whole_cluster(client, cluster, coordinator, origin, author, school,
                                                         other_school):
    """A cluster's people run to a hundred thousand: the form offers the origin organization's
    people and those chosen; "Co-authors from" lists another organization's (htmx asks for them),
    and a co-author from there is taken."""
    colleague = PersonFactory(organization=origin, full_name="Aziz Rakhimov")
    elsewhere = PersonFactory(organization=school, full_name="Nodira Usmonova")
    login(client, author.user)
    body = client.get(url("innovation_create", cluster)).text
    assert colleague.full_name in body and elsewhere.full_name not in body
    options = url("innovation_author_options", cluster)
    assert f'hx-get="{options}"' in body and 'hx-target="#id_co_authors"' in body

    lead = client.get(options, {"origin_organization": origin.pk, "lead_author": author.pk}).text
    assert lead.startswith('<option value="">') and f'<option value="{author.pk}" selected>' in lead
    assert colleague.full_name in lead and elsewhere.full_name not in lead
    co = client.get(options, {"co_author_organization": school.pk, "origin_organization": origin.pk,
                              "co_authors": [colleague.pk]}).text
    assert f'<option value="{colleague.pk}" selected>' in co and f'<option value="{elsewhere.pk}">' in co
    assert not co.startswith('<option value="">')
    assert client.get(options, {"co_author_organization": other_school.pk}).status_code == 404

    data = {"title": "Peer review of lessons", "summary": "Teachers of two schools review each other.",
            "kind": "methodological", "education_level": "school", "origin_organization": origin.pk,
            "lead_author": author.pk, "co_authors": [elsewhere.pk], "co_author_organization": school.pk}
    again = client.post(url("innovation_create", cluster), {**data, "title": ""})
    assert again.status_code == 422 and elsewhere.full_name in again.text  # still offered, and chosen
    assert client.post(url("innovation_create", cluster), data).status_code == 302
    innovation = Innovation.objects.for_cluster(cluster).get(title="Peer review of lessons")
    assert list(InnovationAuthor.objects.for_cluster(cluster).filter(innovation=innovation)
                .values_list("person_id", flat=True)) == [author.pk, elsewhere.pk]

    # Its page to edit offers the authors and the origin's people, and reads no more for more people.
    edit = url("innovation_edit", cluster, innovation.pk)
    login(client, coordinator)
    counts = []
    for more in (2, 30):
        for _ in range(more):
            PersonFactory(organization=school)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(edit).text
        counts.append(len(queries))
        assert elsewhere.full_name in body and colleague.full_name in body
    assert counts[0] == counts[1]
    assert f"?origin_organization={origin.pk}" in body



def test_an_editor_who_may_not_propose_is_offered_authors_on_the_edit_page(client, cluster, innovation, origin,
                                                                          experts):
    """A co-author with a cluster role alone (an expert) may edit the proposal, not propose: the
    edit page's author lists still follow "Co-authors from"."""
    from guardian.shortcuts import assign_perm

    from innovations import permissions

    expert_person = Person.objects.for_cluster(cluster).get(user=experts[0])
    InnovationAuthor.objects.create(cluster=cluster, innovation=innovation, person=expert_person, position=2)
    assign_perm(permissions.AUTHOR, experts[0], innovation)  # as services.innovation_update grants it
    login(client, experts[0])
    body = client.get(url("innovation_edit", cluster, innovation.pk)).text
    options = url("innovation_author_options", cluster)
    address = f"{options}?origin_organization={origin.pk}&amp;innovation={innovation.pk}"
    assert address in body
    listed = client.get(options, {"origin_organization": origin.pk, "innovation": innovation.pk,
                                  "co_author_organization": expert_person.organization_id,
                                  "co_authors": [expert_person.pk]})
    assert listed.status_code == 200 and f'<option value="{expert_person.pk}" selected>' in listed.text
    assert client.get(options, {"co_author_organization": origin.pk}).status_code == 403

def test_only_those_who_may_propose_ask_for_authors(client, cluster, authority, origin):
    login(client, authority)
    assert client.get(url("innovation_author_options", cluster), {"origin_organization": origin.pk}).status_code == 403

def test_the_origin_choices_are_the_organizations_one_may_propose_for(client, cluster, origin, author, school):
    login(client, author.user)
    form = client.get(url("innovation_create", cluster)).context["form"]
    assert [value for value, _label in form.fields["origin_organization"].choices] == ["", origin.pk]
    response = client.post(url("innovation_create", cluster), {
        "title": "T", "summary": "S", "kind": "digital", "education_level": "school",
        "origin_organization": school.pk, "lead_author": author.pk})
    assert response.status_code == 422
    assert not Innovation.objects.for_cluster(cluster).exists()


def test_proposing_refusals_are_shown_with_422(client, cluster, origin, author):
    login(client, author.user)
    response = client.post(url("innovation_create", cluster), {
        "title": "T", "summary": "S", "kind": "digital", "education_level": "school",
        "origin_organization": origin.pk, "lead_author": author.pk,
        "keywords": ", ".join(f"k{n}" for n in range(13))})
    assert response.status_code == 422
    assert "Give at most 12 keywords." in response.text
    assert not Innovation.objects.for_cluster(cluster).exists()


def test_an_expert_without_an_organization_may_not_propose(client, cluster, expert):
    login(client, expert)
    assert client.get(url("innovation_create", cluster)).status_code == 403


def test_an_author_edits_the_proposal_while_it_is_editable(client, cluster, innovation, author):
    login(client, author.user)
    address = url("innovation_edit", cluster, innovation.pk)
    form = client.get(address).context["form"]
    assert form.initial["lead_author"] == author.pk and "origin_organization" not in form.fields
    response = client.post(address, {
        "title": "Project-based mathematics, grades 5-7", "summary": innovation.summary, "kind": "curricular",
        "education_level": "school", "lead_author": author.pk, "keywords": "projects, town"})
    assert response.status_code == 302
    innovation.refresh_from_db()
    assert innovation.title == "Project-based mathematics, grades 5-7" and innovation.keywords == ["projects", "town"]

    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.IN_REVIEW)
    assert client.get(address).status_code == 403
    assert client.post(address, {"title": "Changed", "summary": "S", "kind": "digital",
                                 "education_level": "school", "lead_author": author.pk}).status_code == 403
    innovation.refresh_from_db()
    assert innovation.title == "Project-based mathematics, grades 5-7"


def test_others_may_not_edit(client, cluster, innovation, authority):
    login(client, authority)
    assert client.get(url("innovation_edit", cluster, innovation.pk)).status_code == 403


# --- My innovations -------------------------------------------------------------------------

def test_my_innovations_are_the_authors_and_the_origin_admins(client, cluster, innovation, author, origin_admin,
                                                              org_admin, origin):
    other = InnovationFactory(cluster=cluster, origin_organization=origin, title="Not by the author")
    login(client, author.user)
    assert [i.title for i in client.get(url("innovation_mine", cluster)).context["innovations"]] == [
        "Project-based mathematics"]
    login(client, origin_admin)
    assert {i.pk for i in client.get(url("innovation_mine", cluster)).context["innovations"]} == {
        innovation.pk, other.pk}
    login(client, org_admin)
    response = client.get(url("innovation_mine", cluster))
    assert list(response.context["innovations"]) == [] and "You have no innovations yet." in response.text


# --- Query counts ---------------------------------------------------------------------------

def _populate(cluster, origin, author, n):
    for number in range(n):
        innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                                   stage=Stage.values[number % 10]), author)
        StageTransitionFactory(innovation=innovation)


@pytest.mark.parametrize("name", ["innovation_list", "innovation_board", "innovation_mine"])
@pytest.mark.parametrize("who", ["coordinator", "origin_admin", "author"])
def test_list_pages_make_the_same_number_of_queries_for_10_and_30_innovations(
        client, request, cluster, origin, author, name, who):
    user = author.user if who == "author" else request.getfixturevalue(who)
    if name == "innovation_board" and who != "coordinator":
        return
    _populate(cluster, origin, author, 10)
    login(client, user)
    few = count_queries(client, url(name, cluster))
    _populate(cluster, origin, author, 20)
    many = count_queries(client, url(name, cluster))
    assert few == many
    assert many <= 12
