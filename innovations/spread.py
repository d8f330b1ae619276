"""The spread of an innovation through the cluster: a graph of who learned it from whom, its
figures, and the same figures for a cluster over a period (reports), all computed in SQL.

The graph of one innovation:
- the origin organization is generation 0;
- each pilot site is generation 1, learned from the origin (the origin piloting its own
  innovation stays generation 0 and draws no edge);
- each adopter is one generation after the member it names as its source (`learned_from`):
  a recursive CTE over the innovation's Adoption rows walks from the origin and the pilot
  sites down the learned-from links. An organization reached by several ways (a pilot site
  that adopted, say) keeps its lowest generation.
Every pilot and adoption is an edge (source → organization, kind pilot/adoption, status, date);
stopped pilots and abandoned adoptions stay in the graph as what happened, but do not count.

Figures of one innovation (adoptions that are abandoned do not count):
- reach: distinct adopting organizations;
- generations: the highest generation among its adopters (0 with none);
- days to first adoption: from the date (cluster time zone) of the innovation's first stage
  change into evaluated to the earliest adoption's start; None without either (negative when a
  member took it up before the evaluation, as a pilot site's neighbour may).

`spread_figures(cluster, start, end)` for reports, over adoptions (not abandoned) started in the
period [start, end]: innovations adopted, adoptions, distinct adopters; the mean and median of
those innovations' generations (their adopters started up to `end`); and the median days to
first adoption over the innovations whose first adoption falls in the period.

The SVG is built here too (server-side, no script): generations as columns from left to right,
with a <title>, a <desc> and role="img"; the page lists the same edges in a table.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cluster_platform.names import localized

from .models import Adoption, Innovation, Pilot

# The generation of every adoption of the innovations in `inn` (a CTE the caller defines with
# the cluster in its WHERE). `walk.path` holds the organizations passed, so a loop of
# learned-from links (which the services never write) cannot recurse for ever.
_GENERATIONS = """
seeds AS (
    SELECT inn.id AS innovation_id, inn.origin_organization_id AS organization_id, 0 AS generation
    FROM inn
    UNION ALL
    SELECT p.innovation_id, p.organization_id, 1
    FROM innovations_pilot p JOIN inn ON inn.id = p.innovation_id
    WHERE p.cluster_id = %(cluster)s AND p.organization_id <> inn.origin_organization_id
),
walk (innovation_id, adoption_id, organization_id, generation, path) AS (
    SELECT a.innovation_id, a.id, a.organization_id, s.generation + 1, ARRAY[a.organization_id]
    FROM innovations_adoption a
    JOIN seeds s ON s.innovation_id = a.innovation_id AND s.organization_id = a.learned_from_id
    WHERE a.cluster_id = %(cluster)s
    UNION ALL
    SELECT a.innovation_id, a.id, a.organization_id, w.generation + 1, w.path || a.organization_id
    FROM innovations_adoption a
    JOIN walk w ON w.innovation_id = a.innovation_id AND w.organization_id = a.learned_from_id
    WHERE a.cluster_id = %(cluster)s AND a.organization_id <> ALL (w.path)
),
gen AS (
    SELECT adoption_id, MIN(generation) AS generation FROM walk GROUP BY adoption_id
)
"""

# One innovation's edges and figures in one statement: the figures (one row) joined to every
# edge, or to none (a row of NULL edge columns) when nothing was piloted or adopted.
_SPREAD_SQL = """
WITH RECURSIVE inn AS (
    SELECT id, origin_organization_id FROM innovations_innovation
    WHERE cluster_id = %(cluster)s AND id = %(innovation)s
),
""" + _GENERATIONS + """,
edges AS (
    SELECT 'pilot' AS kind, p.id AS id, p.organization_id AS organization_id, o.name AS name,
           o.name_translations AS name_translations, inn.origin_organization_id AS source_id, p.status AS status,
           p.start_date AS date,
           CASE WHEN p.organization_id = inn.origin_organization_id THEN 0 ELSE 1 END AS generation
    FROM innovations_pilot p
    JOIN inn ON inn.id = p.innovation_id
    JOIN members_organization o ON o.id = p.organization_id AND o.cluster_id = %(cluster)s
    WHERE p.cluster_id = %(cluster)s
    UNION ALL
    SELECT 'adoption', a.id, a.organization_id, o.name, o.name_translations, a.learned_from_id, a.status, a.started_on,
           gen.generation
    FROM innovations_adoption a
    JOIN inn ON inn.id = a.innovation_id
    JOIN members_organization o ON o.id = a.organization_id AND o.cluster_id = %(cluster)s
    LEFT JOIN gen ON gen.adoption_id = a.id
    WHERE a.cluster_id = %(cluster)s
),
counted AS (
    SELECT a.id, a.organization_id, a.started_on FROM innovations_adoption a JOIN inn ON inn.id = a.innovation_id
    WHERE a.cluster_id = %(cluster)s AND a.status <> %(abandoned)s
),
figures AS (
    SELECT
        (SELECT COUNT(DISTINCT organization_id) FROM counted) AS reach,
        (SELECT COALESCE(MAX(gen.generation), 0) FROM counted JOIN gen ON gen.adoption_id = counted.id) AS generations,
        (SELECT MIN(started_on) FROM counted)
        - (SELECT MIN((t.created_at AT TIME ZONE %(tz)s)::date) FROM innovations_stagetransition t
           WHERE t.cluster_id = %(cluster)s AND t.innovation_id = %(innovation)s AND t.to_stage = %(evaluated)s)
        AS days
)
SELECT figures.reach, figures.generations, figures.days, edges.kind, edges.id, edges.organization_id, edges.name,
       edges.name_translations, edges.source_id, edges.status, edges.date, edges.generation
FROM figures LEFT JOIN edges ON true
ORDER BY edges.generation NULLS LAST, edges.date, edges.kind DESC, edges.id
"""

# Generations are walked for the innovations adopted in the period only: depth needs no other,
# and the walk never crosses from one innovation to another.
_PERIOD_SQL = """
WITH RECURSIVE inn AS (
    SELECT id, origin_organization_id FROM innovations_innovation
    WHERE cluster_id = %(cluster)s AND id IN (
        SELECT a.innovation_id FROM innovations_adoption a
        WHERE a.cluster_id = %(cluster)s AND a.status <> %(abandoned)s AND a.started_on BETWEEN %(start)s AND %(end)s
    )
),
""" + _GENERATIONS + """,
counted AS (
    SELECT a.id, a.innovation_id, a.organization_id, a.started_on FROM innovations_adoption a
    WHERE a.cluster_id = %(cluster)s AND a.status <> %(abandoned)s
),
period AS (
    SELECT * FROM counted WHERE started_on BETWEEN %(start)s AND %(end)s
),
depth AS (
    SELECT counted.innovation_id, COALESCE(MAX(gen.generation), 0) AS generations
    FROM counted LEFT JOIN gen ON gen.adoption_id = counted.id
    WHERE counted.started_on <= %(end)s AND counted.innovation_id IN (SELECT innovation_id FROM period)
    GROUP BY counted.innovation_id
),
firsts AS (
    SELECT innovation_id, MIN(started_on) AS first_on FROM counted GROUP BY innovation_id
),
evaluated AS (
    SELECT innovation_id, MIN((created_at AT TIME ZONE %(tz)s)::date) AS evaluated_on
    FROM innovations_stagetransition
    WHERE cluster_id = %(cluster)s AND to_stage = %(evaluated)s
    GROUP BY innovation_id
),
lags AS (
    SELECT firsts.first_on - evaluated.evaluated_on AS days
    FROM firsts JOIN evaluated ON evaluated.innovation_id = firsts.innovation_id
    WHERE firsts.first_on BETWEEN %(start)s AND %(end)s
)
SELECT
    (SELECT COUNT(DISTINCT innovation_id) FROM period),
    (SELECT COUNT(*) FROM period),
    (SELECT COUNT(DISTINCT organization_id) FROM period),
    (SELECT AVG(generations) FROM depth),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY generations) FROM depth),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM lags)
"""


@dataclass
class Node:
    organization_id: int
    name: str
    generation: int | None
    role: str  # origin, pilot or adopter


@dataclass
class Edge:
    kind: str  # pilot or adoption
    id: int
    source_id: int
    source_name: str
    target_id: int
    target_name: str
    status: str
    status_label: str
    date: datetime.date
    generation: int | None


@dataclass
class Figures:
    reach: int = 0
    generations: int = 0
    days_to_first_adoption: int | None = None


@dataclass
class Spread:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)

    @property
    def layers(self) -> list[list[Node]]:
        """The nodes by generation (an adopter whose chain was not found goes last)."""
        known = sorted({node.generation for node in self.nodes if node.generation is not None})
        layers = [[node for node in self.nodes if node.generation == generation] for generation in known]
        lost = [node for node in self.nodes if node.generation is None]
        return layers + ([lost] if lost else [])


def _params(cluster, **extra) -> dict:
    return {"cluster": cluster.pk, "tz": settings.TIME_ZONE,
            "abandoned": Adoption.Status.ABANDONED, "evaluated": Innovation.Stage.EVALUATED, **extra}


def _localized(name: str, translations) -> str:
    return localized({"name": name, "name_translations": translations}, "name")  # translations: JSON text


def innovation_spread(cluster, innovation: Innovation, *, localize: bool = True) -> Spread:
    """The graph and figures of one innovation: one query, whatever the number of adopters.
    `innovation.origin_organization` should be loaded (select_related) by the caller. The
    organizations are named in the active language (cluster_platform.names), or by their names
    as given when not `localize` (the API's `*_name` fields)."""
    name_of = _localized if localize else (lambda name, _translations: name)
    with connection.cursor() as cursor:
        cursor.execute(_SPREAD_SQL, _params(cluster, innovation=innovation.pk))
        joined = cursor.fetchall()
    reach, generations, days = joined[0][:3]
    rows = [row[3:] for row in joined if row[3] is not None]
    origin = innovation.origin_organization
    names = {origin.pk: name_of(origin.name, origin.name_translations)}
    names.update({row[2]: name_of(row[3], row[4]) for row in rows})
    nodes = {origin.pk: Node(origin.pk, names[origin.pk], 0, "origin")}
    statuses = {"pilot": dict(Pilot.Status.choices), "adoption": dict(Adoption.Status.choices)}
    edges = []
    for kind, pk, target_id, _name, _translations, source_id, status, date, generation in rows:
        target_name = names[target_id]
        node = nodes.get(target_id)
        role = "pilot" if kind == "pilot" else "adopter"
        if node is None:
            nodes[target_id] = Node(target_id, target_name, generation, role)
        elif generation is not None and (node.generation is None or generation < node.generation):
            node.generation, node.role = generation, role
        if kind == "pilot" and target_id == origin.pk:
            continue  # the origin's own pilot: no edge from itself
        edges.append(Edge(kind, pk, source_id, names.get(source_id, "?"), target_id, target_name, status,
                          str(statuses[kind].get(status, status)), date, generation))
    return Spread(
        nodes=sorted(nodes.values(), key=lambda n: (n.generation is None, n.generation or 0, n.name)),
        edges=edges,
        figures=Figures(reach=reach, generations=generations, days_to_first_adoption=days),
    )


@dataclass
class PeriodFigures:
    innovations_adopted: int
    adoptions: int
    adopters: int
    mean_generations: float | None
    median_generations: float | None
    median_days_to_first_adoption: float | None


def spread_figures(cluster, start: datetime.date, end: datetime.date) -> PeriodFigures:
    """The cluster's spread over a period, in one query (see the module docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(_PERIOD_SQL, _params(cluster, start=start, end=end))
        innovations, adoptions, adopters, mean, median, days = cursor.fetchone()
    return PeriodFigures(
        innovations_adopted=innovations, adoptions=adoptions, adopters=adopters,
        mean_generations=None if mean is None else round(float(mean), 2),
        median_generations=None if median is None else float(median),
        median_days_to_first_adoption=None if days is None else float(days),
    )


# --- The picture ------------------------------------------------------------------------------------

COLUMN, ROW, BOX_W, BOX_H, MARGIN, LABEL_CHARS = 190, 56, 160, 36, 16, 22
EDGE_CLASSES = {"stopped": "muted", "abandoned": "muted"}


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"


def spread_svg(spread: Spread, *, title: str) -> str:
    """The graph as an SVG element (safe HTML): one column per generation, an arrow per edge,
    pilot edges dashed, stopped and abandoned ones grey."""
    layers = spread.layers
    places = {}
    for column, layer in enumerate(layers):
        for row, node in enumerate(layer):
            places[node.organization_id] = (MARGIN + column * COLUMN, MARGIN + 20 + row * ROW)
    width = MARGIN * 2 + max(len(layers) - 1, 0) * COLUMN + BOX_W
    height = MARGIN * 2 + 20 + max((len(layer) for layer in layers), default=1) * ROW
    description = _("%(nodes)s organizations, %(edges)s links; the table below lists who learned it from whom.") % {
        "nodes": len(spread.nodes), "edges": len(spread.edges)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spread-graph" role="img" '
        f'aria-labelledby="spread-title spread-desc" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        f'<title id="spread-title">{escape(title)}</title>',
        f'<desc id="spread-desc">{escape(description)}</desc>',
        '<defs><marker id="spread-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/>'
        '</marker></defs>',
    ]
    for column, layer in enumerate(layers):
        generation = layer[0].generation
        label = _("Generation %(n)s") % {"n": generation} if generation is not None else _("Unknown")
        parts.append(f'<text x="{MARGIN + column * COLUMN}" y="{MARGIN + 8}" fill="#6c757d">{escape(label)}</text>')
    for edge in spread.edges:
        if edge.source_id not in places or edge.target_id not in places:
            continue
        (x1, y1), (x2, y2) = places[edge.source_id], places[edge.target_id]
        if x2 > x1:
            start, end = (x1 + BOX_W, y1 + BOX_H / 2), (x2, y2 + BOX_H / 2)
        else:  # same or earlier column (an organization kept at a lower generation): a curve
            start, end = (x1 + BOX_W / 2, y1 + BOX_H), (x2 + BOX_W / 2, y2)
        muted = edge.status in EDGE_CLASSES
        dash = ' stroke-dasharray="5 4"' if edge.kind == "pilot" else ""
        colour = "#adb5bd" if muted else "#495057"
        parts.append(
            f'<path d="M {start[0]:.0f} {start[1]:.0f} C {(start[0] + end[0]) / 2:.0f} {start[1]:.0f}, '
            f'{(start[0] + end[0]) / 2:.0f} {end[1]:.0f}, {end[0]:.0f} {end[1]:.0f}" fill="none" '
            f'stroke="{colour}" stroke-width="1.5"{dash} marker-end="url(#spread-arrow)">'
            f'<title>{escape(edge.source_name)} → {escape(edge.target_name)} ({escape(edge.status_label)})</title>'
            f'</path>')
    fills = {"origin": "#cfe2ff", "pilot": "#fff3cd", "adopter": "#d1e7dd"}
    for node in spread.nodes:
        x, y = places[node.organization_id]
        parts.append(
            f'<g class="spread-node spread-{node.role}"><title>{escape(node.name)}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fills[node.role]}" '
            f'stroke="#495057"/><text x="{x + 8}" y="{y + 22}" fill="#212529">{escape(_short(node.name))}</text></g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text inside is escaped above
