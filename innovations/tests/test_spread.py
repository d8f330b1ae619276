"""The spread graph and its figures (innovations.spread) on a hand-made history.

Innovation "Lesson study" of the origin school:
  origin ─pilot→ A (pilot site)  ─→ B (2025-05-01) ─→ C (2025-06-15)
  origin ─→ D (2025-04-01) ─→ E (2025-05-10, abandoned)
Generations: A 1, B 2, C 3, D 1, E 2. Evaluated at 2025-03-10 01:00 Tashkent (2025-03-09 20:00 UTC).
Innovation "Reading clubs", same origin: origin ─→ B (2025-06-01); evaluated 2025-05-02.
"""

from __future__ import annotations

import datetime

import pytest

from innovations import spread
from innovations.models import Adoption, Innovation, Pilot
from members.tests.factories import OrganizationFactory

from .factories import AdoptionFactory, InnovationFactory, PilotFactory, transition_at

pytestmark = pytest.mark.django_db
UTC = datetime.timezone.utc
D = datetime.date


@pytest.fixture
def world(cluster, origin):
    orgs = {name: OrganizationFactory(cluster=cluster, name=f"School {name}") for name in "ABCDE"}
    lesson = InnovationFactory(origin_organization=origin, cluster=cluster, title="Lesson study",
                               stage=Innovation.Stage.DISSEMINATING,
                               created_at=datetime.datetime(2024, 9, 1, tzinfo=UTC))
    transition_at(lesson, "evaluated", datetime.datetime(2025, 3, 9, 20, 0, tzinfo=UTC), "piloting")
    transition_at(lesson, "evaluated", datetime.datetime(2025, 3, 20, 8, 0, tzinfo=UTC), "piloting")  # later: ignored
    PilotFactory(innovation=lesson, cluster=cluster, organization=orgs["A"], status=Pilot.Status.COMPLETED,
                 start_date=D(2025, 1, 10), end_date=D(2025, 3, 1))
    adopt = {
        "B": AdoptionFactory(innovation=lesson, cluster=cluster, organization=orgs["B"], learned_from=orgs["A"],
                             started_on=D(2025, 5, 1)),
        "C": AdoptionFactory(innovation=lesson, cluster=cluster, organization=orgs["C"], learned_from=orgs["B"],
                             started_on=D(2025, 6, 15), status=Adoption.Status.IN_PROGRESS),
        "D": AdoptionFactory(innovation=lesson, cluster=cluster, organization=orgs["D"], learned_from=origin,
                             started_on=D(2025, 4, 1)),
        "E": AdoptionFactory(innovation=lesson, cluster=cluster, organization=orgs["E"], learned_from=orgs["D"],
                             started_on=D(2025, 5, 10), status=Adoption.Status.ABANDONED),
    }
    reading = InnovationFactory(origin_organization=origin, cluster=cluster, title="Reading clubs",
                                stage=Innovation.Stage.IMPLEMENTING,
                                created_at=datetime.datetime(2024, 9, 1, tzinfo=UTC))
    transition_at(reading, "evaluated", datetime.datetime(2025, 5, 2, 6, 0, tzinfo=UTC), "piloting")
    AdoptionFactory(innovation=reading, cluster=cluster, organization=orgs["B"], learned_from=origin,
                    started_on=D(2025, 6, 1))
    return {"lesson": lesson, "reading": reading, "orgs": orgs, "adopt": adopt, "origin": origin}


def test_generations_follow_the_learned_from_chain(cluster, world):
    graph = spread.innovation_spread(cluster, world["lesson"])
    generation = {node.name: node.generation for node in graph.nodes}
    assert generation == {"School No. 7": 0, "School A": 1, "School B": 2, "School C": 3, "School D": 1,
                          "School E": 2}
    roles = {node.name: node.role for node in graph.nodes}
    assert roles["School No. 7"] == "origin" and roles["School A"] == "pilot" and roles["School C"] == "adopter"


def test_edges_name_source_kind_status_and_date(cluster, world):
    graph = spread.innovation_spread(cluster, world["lesson"])
    edges = {(e.source_name, e.target_name): (e.kind, e.status, e.date) for e in graph.edges}
    assert edges == {
        ("School No. 7", "School A"): ("pilot", "completed", D(2025, 1, 10)),
        ("School A", "School B"): ("adoption", "adopted", D(2025, 5, 1)),
        ("School B", "School C"): ("adoption", "in_progress", D(2025, 6, 15)),
        ("School No. 7", "School D"): ("adoption", "adopted", D(2025, 4, 1)),
        ("School D", "School E"): ("adoption", "abandoned", D(2025, 5, 10)),
    }


def test_figures_reach_generations_and_days_to_first_adoption(cluster, world):
    figures = spread.innovation_spread(cluster, world["lesson"]).figures
    assert figures.reach == 3  # B, C, D; E abandoned
    assert figures.generations == 3
    # Evaluated on 2025-03-10 in Tashkent (20:00 UTC the day before); first adoption D on 2025-04-01.
    assert figures.days_to_first_adoption == 22


def test_max_generation_ignores_abandoned_adopters(cluster, world):
    world["adopt"]["C"].status = Adoption.Status.ABANDONED
    world["adopt"]["C"].save()
    figures = spread.innovation_spread(cluster, world["lesson"]).figures
    assert (figures.reach, figures.generations) == (2, 2)


def test_a_pilot_site_that_adopts_keeps_generation_one(cluster, world):
    lesson, orgs = world["lesson"], world["orgs"]
    AdoptionFactory(innovation=lesson, cluster=cluster, organization=orgs["A"], learned_from=orgs["B"],
                    started_on=D(2025, 7, 1))
    graph = spread.innovation_spread(cluster, lesson)
    generation = {node.name: node.generation for node in graph.nodes}
    assert generation["School A"] == 1 and generation["School C"] == 3
    assert spread.innovation_spread(cluster, lesson).figures.reach == 4


def test_an_innovation_without_adoptions_has_empty_figures(cluster, origin):
    innovation = InnovationFactory(origin_organization=origin, cluster=cluster, stage=Innovation.Stage.EVALUATED)
    graph = spread.innovation_spread(cluster, innovation)
    assert [node.name for node in graph.nodes] == ["School No. 7"]
    assert graph.edges == []
    assert (graph.figures.reach, graph.figures.generations, graph.figures.days_to_first_adoption) == (0, 0, None)


def test_adoption_without_an_evaluation_has_no_days_to_first_adoption(cluster, world):
    innovation = InnovationFactory(origin_organization=world["origin"], cluster=cluster,
                                   stage=Innovation.Stage.IMPLEMENTING)
    AdoptionFactory(innovation=innovation, cluster=cluster, organization=world["orgs"]["A"],
                    learned_from=world["origin"], started_on=D(2025, 6, 1))
    figures = spread.innovation_spread(cluster, innovation).figures
    assert (figures.reach, figures.generations, figures.days_to_first_adoption) == (1, 1, None)


def test_spread_takes_one_query_whatever_the_adopters(cluster, world, django_assert_num_queries):
    for n in range(10):
        AdoptionFactory(innovation=world["lesson"], cluster=cluster, learned_from=world["orgs"]["C"],
                        started_on=D(2025, 7, 1 + n))
    with django_assert_num_queries(1):
        graph = spread.innovation_spread(cluster, world["lesson"])
    assert graph.figures.generations == 4


def test_spread_figures_over_a_period(cluster, world):
    april_may = spread.spread_figures(cluster, D(2025, 4, 1), D(2025, 5, 31))
    # D (04-01, gen 1) and B (05-01, gen 2) of Lesson study; E is abandoned.
    assert april_may == spread.PeriodFigures(
        innovations_adopted=1, adoptions=2, adopters=2, mean_generations=2.0, median_generations=2.0,
        median_days_to_first_adoption=22.0)
    quarter = spread.spread_figures(cluster, D(2025, 4, 1), D(2025, 6, 30))
    # Lesson study: D, B, C (generations up to 3); Reading clubs: B (generation 1, 30 days after 05-02).
    assert quarter == spread.PeriodFigures(
        innovations_adopted=2, adoptions=4, adopters=3, mean_generations=2.0, median_generations=2.0,
        median_days_to_first_adoption=26.0)
    june = spread.spread_figures(cluster, D(2025, 6, 1), D(2025, 6, 30))
    # Lesson study's first adoption was in April: only Reading clubs has its first adoption in June.
    assert (june.innovations_adopted, june.adoptions, june.adopters) == (2, 2, 2)
    assert (june.mean_generations, june.median_generations, june.median_days_to_first_adoption) == (2.0, 2.0, 30.0)


def test_spread_figures_of_an_empty_period(cluster, world):
    assert spread.spread_figures(cluster, D(2023, 1, 1), D(2023, 12, 31)) == spread.PeriodFigures(
        innovations_adopted=0, adoptions=0, adopters=0, mean_generations=None, median_generations=None,
        median_days_to_first_adoption=None)


def test_spread_figures_count_only_the_cluster(cluster, other_cluster, world, django_assert_num_queries):
    other_origin = OrganizationFactory(cluster=other_cluster, name="Samarkand origin")
    other = InnovationFactory(origin_organization=other_origin, cluster=other_cluster,
                              stage=Innovation.Stage.DISSEMINATING)
    AdoptionFactory(innovation=other, cluster=other_cluster, learned_from=other_origin, started_on=D(2025, 4, 15))
    with django_assert_num_queries(1):
        figures = spread.spread_figures(cluster, D(2025, 4, 1), D(2025, 5, 31))
    assert (figures.innovations_adopted, figures.adoptions, figures.adopters) == (1, 2, 2)


def test_svg_is_accessible_and_holds_every_node(cluster, world):
    graph = spread.innovation_spread(cluster, world["lesson"])
    svg = spread.spread_svg(graph, title="Spread of <Lesson study>")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=\"spread-title\">Spread of &lt;Lesson study&gt;</title>" in svg
    for name in ("School No. 7", "School A", "School B", "School C", "School D", "School E"):
        assert f">{name}</text>" in svg
    assert svg.count('class="spread-node') == 6
    assert svg.count("marker-end=") == 5
    assert "Generation 3" in svg and "<script" not in svg
