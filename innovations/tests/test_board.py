"""The pipeline board at scale: each column's cards read with a per-stage LIMIT
(selectors.stage_columns), the rest of a column through its "more" link to the catalogue,
the cards rendered in Python (views.core.BoardCards) with what the template gave, and a
number of queries that does not grow with the innovations."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cluster_platform.tenancy import resolve_cluster
from innovations import selectors
from innovations.models import Innovation, Stage
from innovations.tests.factories import InnovationFactory
from innovations.tests.test_views_core import count_queries, login, url
from cluster_platform.rows import url_for_pk
from innovations.views.core import BOARD_COLUMN_LIMIT, BoardCards
from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _in_stage(cluster, origin, stage, n, *, title="Innovation", days_ago=0):
    """`n` innovations in `stage`, the first entered it longest ago."""
    return [InnovationFactory(cluster=cluster, origin_organization=origin, stage=stage, title=f"{title} {number}",
                              stage_changed_at=NOW - datetime.timedelta(days=days_ago + n - number))
            for number in range(n)]


def _column(response, stage):
    return next(column for column in response.context["columns"] if column["stage"] == stage)


def _card_html(response, innovation):
    text = response.text
    card = text[text.index(f'id="card-{innovation.pk}"'):]
    return card[:card.index("</article>")]


def test_a_column_shows_the_innovations_that_entered_it_last_and_links_to_the_rest(client, cluster, origin,
                                                                                  coordinator):
    proposed = _in_stage(cluster, origin, Stage.PROPOSED, BOARD_COLUMN_LIMIT + 2, title="Proposed")
    _in_stage(cluster, origin, Stage.PILOTING, 3, title="Piloted")
    login(client, coordinator)
    response = client.get(url("innovation_board", cluster))

    column = _column(response, Stage.PROPOSED)
    newest = [innovation.pk for innovation in reversed(proposed)]
    assert [card.pk for card in column["cards"]] == newest[:BOARD_COLUMN_LIMIT]
    assert (column["count"], column["more"]) == (BOARD_COLUMN_LIMIT + 2, 2)
    assert (_column(response, Stage.PILOTING)["count"], _column(response, Stage.PILOTING)["more"]) == (3, 0)
    assert _column(response, Stage.ARCHIVED) == {"stage": Stage.ARCHIVED, "label": Stage.ARCHIVED.label,
                                                  "cards": [], "count": 0, "more": 0}
    # The two left out are the two that entered the stage first, one link away, in the board's order.
    more = f'{url("innovation_list", cluster)}?sort=-stage_changed_at&amp;stage=proposed'
    assert f'<a class="small" href="{more}">2 more in the catalogue</a>' in response.text
    assert response.text.count("more in the catalogue") == 1
    catalogue = client.get(more.replace("&amp;", "&"))
    assert catalogue.status_code == 200
    listed = [innovation.pk for innovation in catalogue.context["innovations"]]
    assert listed[:BOARD_COLUMN_LIMIT + 2] == newest


def test_ties_in_a_stage_are_broken_by_the_newer_innovation(cluster, origin):
    same_moment = [InnovationFactory(cluster=cluster, origin_organization=origin, stage_changed_at=NOW)
                   for _ in range(3)]
    cards = selectors.stage_columns(Innovation.objects.for_cluster(cluster), Stage.values, limit=2)
    assert [card.pk for card in cards] == [same_moment[2].pk, same_moment[1].pk]
    assert [card.stage_count for card in cards] == [3, 3]
    assert [card.origin_name for card in cards] == ["School No. 7"] * 2


def test_the_columns_hold_the_clusters_innovations_alone(client, cluster, origin, coordinator, other_cluster):
    _in_stage(cluster, origin, Stage.IN_REVIEW, 2, title="Ours")
    elsewhere = OrganizationFactory(cluster=other_cluster, name="Elsewhere school")
    _in_stage(other_cluster, elsewhere, Stage.IN_REVIEW, BOARD_COLUMN_LIMIT + 3, title="Theirs")
    login(client, coordinator)
    response = client.get(url("innovation_board", cluster))
    column = _column(response, Stage.IN_REVIEW)
    assert (column["count"], [card.title for card in column["cards"]]) == (2, ["Ours 1", "Ours 0"])
    assert "Theirs" not in response.text and "Elsewhere school" not in response.text


def test_a_card_shows_its_innovation_and_a_form_per_move(client, cluster, origin, coordinator):
    proposed = InnovationFactory(cluster=cluster, origin_organization=origin, title='Maths & "games" <b>',
                                 stage_changed_at=NOW - datetime.timedelta(days=3))
    piloting = InnovationFactory(cluster=cluster, origin_organization=origin, title="Piloted one",
                                 stage=Stage.PILOTING, stage_changed_at=NOW - datetime.timedelta(days=1))
    login(client, coordinator)
    response = client.get(url("innovation_board", cluster))
    board = url("innovation_board", cluster)
    title = "Maths &amp; &quot;games&quot; &lt;b&gt;"

    card = _card_html(response, proposed)
    assert f'<h3 class="h6 mb-1"><a href="{url("innovation_detail", cluster, proposed.pk)}">{title}</a></h3>' in card
    assert "School No. 7<br>3 days in this stage" in card
    assert "<b>" not in card
    assert (f'href="{url("innovation_experts", cluster, proposed.pk)}" aria-label="Assign experts: {title}">'
            "Assign experts</a>") in card
    forms = re.findall(r"<form .*?</form>", card)
    assert len(forms) == 3
    for form in forms:
        assert f'action="{url("innovation_transition", cluster, proposed.pk)}"' in form
        assert 'name="csrfmiddlewaretoken"' in form
        assert f'name="next" value="{board}"' in form and 'name="expected_stage" value="proposed"' in form
    # Sending to review is made at once; rejecting and withdrawing open the confirmation page first.
    review, reject, withdraw = forms
    assert 'name="to_stage" value="in_review"' in review and 'name="confirmed" value="1"' in review
    assert f'aria-label="Send to review: {title}">Send to review</button>' in review
    assert 'name="to_stage" value="rejected"' in reject and 'name="confirmed"' not in reject
    assert f'class="btn btn-sm btn-outline-danger" aria-label="Reject: {title}">Reject…</button>' in reject
    assert 'name="to_stage" value="archived"' in withdraw and f'aria-label="Withdraw: {title}">Withdraw…' in withdraw

    card = _card_html(response, piloting)
    assert "1 day in this stage" in card and "Assign experts" not in card
    assert re.findall(r'name="to_stage" value="(\w+)"', card) == ["evaluated"]


def test_the_card_urls_are_the_routes(cluster):
    for name in ("innovation_detail", "innovation_transition", "innovation_experts"):
        assert url_for_pk(name, cluster.slug)(1230) == reverse(name, args=[cluster.slug, 1230])


def test_the_board_makes_the_same_queries_for_one_card_and_full_columns(client, cluster, origin, coordinator):
    login(client, coordinator)
    InnovationFactory(cluster=cluster, origin_organization=origin)
    few = count_queries(client, url("innovation_board", cluster))
    for stage in Stage.values:
        _in_stage(cluster, origin, stage, BOARD_COLUMN_LIMIT + 5)
    many = count_queries(client, url("innovation_board", cluster))
    assert few == many <= 6


def test_the_columns_narrow_the_innovations_they_are_given(cluster, origin):
    """The board passes permissions.visible_innovations: the selector reads what it is given, never more."""
    InnovationFactory(cluster=cluster, origin_organization=origin, title="Of the origin")
    InnovationFactory(cluster=cluster, origin_organization=OrganizationFactory(cluster=cluster, name="Other school"),
                      title="Of another school")
    visible = Innovation.objects.for_cluster(cluster).filter(origin_organization=origin)
    cards = selectors.stage_columns(visible, Stage.values, limit=BOARD_COLUMN_LIMIT)
    assert [(card.title, card.stage_count) for card in cards] == [("Of the origin", 1)]


def test_a_card_speaks_the_readers_language(cluster, origin, coordinator):
    InnovationFactory(cluster=cluster, origin_organization=origin, stage_changed_at=NOW - datetime.timedelta(days=5))
    card, = selectors.stage_columns(Innovation.objects.for_cluster(cluster), Stage.values, limit=1)
    roles = resolve_cluster(coordinator, cluster.slug)[1]
    with translation.override("ru"):
        html = BoardCards(roles, cluster.slug, csrf="", next_url="/")(card)
        assert "5 дней на этом этапе" in html
        assert f'aria-label="{translation.gettext("Send to review")}: ' in html
        assert "Send to review" not in html
