"""The resource page read in one query (selectors.resource_page) and its calendar built in
Python (views.calendar.CalendarHtml): the same HTML as the former templates and code, which this
file keeps as the reference, for every view, role and kind of booking; the same queries whatever
the number of bookings."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from cluster_platform.tenancy import roles_for
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory
from resources import availability, selectors
from resources.models import BOOKED_STATUSES, BookedResource, Booking, Resource, ResourcePhoto
from resources.tests.conftest import at, next_weekday
from resources.tests.factories import BookedResourceFactory, BookingFactory, ClosedDateFactory, ResourceFactory, period
from resources.views.calendar import CalendarHtml, CalendarSpan

pytestmark = pytest.mark.django_db

# The former partials, as they were: resources/partials/calendar.html (its include of the piece
# partial made a variable) and resources/partials/calendar_piece.html.
FORMER_CALENDAR = Template(r'''{% load i18n %}<section class="mb-4" aria-labelledby="calendar-heading" id="calendar">
  <h2 class="h5" id="calendar-heading">{% translate "Bookings" %}</h2>
  <div class="d-flex flex-wrap align-items-center mb-2">
    <nav class="btn-group mr-2 mb-2" aria-label="{% translate 'Calendar view' %}">
      <a class="btn btn-sm {% if calendar.view == 'week' %}btn-secondary{% else %}btn-outline-secondary{% endif %}" href="{{ calendar.week_url }}"{% if calendar.view == 'week' %} aria-current="page"{% endif %}>{% translate "Week" %}</a>
      <a class="btn btn-sm {% if calendar.view == 'month' %}btn-secondary{% else %}btn-outline-secondary{% endif %}" href="{{ calendar.month_url }}"{% if calendar.view == 'month' %} aria-current="page"{% endif %}>{% translate "Month" %}</a>
    </nav>
    <nav class="btn-group mr-2 mb-2" aria-label="{% translate 'Calendar dates' %}">
      <a class="btn btn-sm btn-outline-primary" href="{{ calendar.previous_url }}" rel="prev">{{ calendar.previous_label }}</a>
      <a class="btn btn-sm btn-outline-primary" href="{{ calendar.today_url }}">{% translate "Today" %}</a>
      <a class="btn btn-sm btn-outline-primary" href="{{ calendar.next_url }}" rel="next">{{ calendar.next_label }}</a>
    </nav>
    <p class="mb-2 small text-muted">{% translate "Times are local (Tashkent)." %} <span class="border-left border-success pl-1">{% translate "approved" %}</span> <span class="border-left border-warning pl-1">{% translate "your pending requests" %}</span></p>
  </div>
  {% if calendar.view == "week" %}
    {% blocktranslate asvar caption with resource=resource.name first=calendar.first|date:"j E Y" last=calendar.last|date:"j E Y" %}Bookings of {{ resource }}, week of {{ first }} to {{ last }}{% endblocktranslate %}
    <div class="d-none d-md-block">
      <table class="table table-bordered table-sm calendar-week">
        <caption>{{ caption }}</caption>
        <thead class="thead-light">
          <tr>
            {% for cell in calendar.days %}
              <th scope="col" class="{% if cell.is_today %}table-primary{% endif %}"{% if cell.is_today %} aria-current="date"{% endif %}>{{ cell.date|date:"D" }} <span class="d-block font-weight-normal">{{ cell.date|date:"j E" }}</span></th>
            {% endfor %}
          </tr>
        </thead>
        <tbody>
          <tr>
            {% for cell in calendar.days %}
              <td data-date="{{ cell.date|date:'Y-m-d' }}" class="align-top">
                {% for piece in cell.pieces %}{% include piece_template %}{% empty %}<span class="sr-only">{% translate "No bookings" %}</span>{% endfor %}
              </td>
            {% endfor %}
          </tr>
        </tbody>
      </table>
    </div>
    <div class="d-md-none">
      <p class="font-weight-bold">{{ caption }}</p>
      <ul class="list-group">
        {% for cell in calendar.days %}
          <li class="list-group-item{% if cell.is_today %} list-group-item-primary{% endif %}" data-day="{{ cell.date|date:'Y-m-d' }}"{% if cell.is_today %} aria-current="date"{% endif %}>
            <h3 class="h6 mb-1">{{ cell.date|date:"l j E" }}</h3>
            {% for piece in cell.pieces %}{% include piece_template %}{% empty %}<span class="small text-muted">{% translate "No bookings" %}</span>{% endfor %}
          </li>
        {% endfor %}
      </ul>
    </div>
  {% else %}
    {% blocktranslate asvar caption with resource=resource.name month=calendar.month|date:"F Y" %}Bookings of {{ resource }}, {{ month }}{% endblocktranslate %}
    <div class="d-none d-md-block">
      <table class="table table-bordered table-sm calendar-month">
        <caption>{{ caption }}</caption>
        <thead class="thead-light">
          <tr>{% for name in calendar.weekday_names %}<th scope="col">{{ name }}</th>{% endfor %}</tr>
        </thead>
        <tbody>
          {% for week in calendar.weeks %}
            <tr>
              {% for cell in week %}
                <td data-date="{{ cell.date|date:'Y-m-d' }}" class="align-top{% if not cell.in_month %} bg-light text-muted{% endif %}{% if cell.is_today %} table-primary{% endif %}"{% if cell.is_today %} aria-current="date"{% endif %}>
                  <span class="d-block font-weight-bold">{{ cell.date|date:"j" }}{% if not cell.in_month %} <span class="sr-only">{{ cell.date|date:"F" }}</span>{% endif %}</span>
                  {% for piece in cell.pieces %}{% include piece_template %}{% endfor %}
                </td>
              {% endfor %}
            </tr>
          {% endfor %}
        </tbody>
      </table>
    </div>
    <div class="d-md-none">
      <p class="font-weight-bold">{{ caption }}</p>
      <ul class="list-group">
        {% for cell in calendar.days %}{% if cell.in_month and cell.pieces %}
          <li class="list-group-item" data-day="{{ cell.date|date:'Y-m-d' }}">
            <h3 class="h6 mb-1">{{ cell.date|date:"l j E" }}</h3>
            {% for piece in cell.pieces %}{% include piece_template %}{% endfor %}
          </li>
        {% endif %}{% endfor %}
      </ul>
      {% if not calendar.count %}<p class="text-muted">{% translate "No bookings this month." %}</p>{% endif %}
    </div>
  {% endif %}
</section>
''')
FORMER_PIECE = Template(r'''{% load i18n %}<div class="cal-booking small mb-1 pl-1 border-left {% if piece.pending %}border-warning{% else %}border-success{% endif %}" data-booking="{{ piece.booking.pk }}">
  <span class="d-block font-weight-bold">{% if piece.from_day_before %}<span aria-hidden="true">← </span>{% endif %}{{ piece.start }}–{{ piece.end }}{% if piece.into_next_day %}<span aria-hidden="true"> →</span>{% endif %}</span>
  {% if piece.from_day_before or piece.into_next_day %}<span class="sr-only">{% blocktranslate with period=piece.period %}(the whole booking: {{ period }}){% endblocktranslate %}</span>{% endif %}
  <span class="d-block">{{ piece.requester }}</span>
  {% if piece.pending %}<span class="badge badge-warning">{% translate "Pending" %}</span>{% endif %}
</div>
''')
ONE_DAY = datetime.timedelta(days=1)


def former_calendar_context(*, cluster, roles, resource, view, date, base_url) -> dict:
    """The former views.calendar.calendar_context: its query and its pieces, as they were."""
    today = timezone.localdate()
    span = CalendarSpan.of(view, date)
    days = span.days
    shown_own = set(roles.organization_roles)
    items = [
        item for item in BookedResource.objects.for_cluster(cluster).filter(
            resource_id=resource.pk, period__overlap=DateTimeTZRange(span.start, span.end, "[)"))
        .select_related("booking__requester").order_by("period", "pk")
        if item.status in BOOKED_STATUSES or (item.status == "requested" and item.booking.requester_id in shown_own)
    ]
    by_day = {day: [] for day in days}
    for item in items:
        start, end = item.period.lower, item.period.upper
        for day in availability.local_dates(start, end):
            if day not in by_day:
                continue
            day_begins, day_ends = availability.day_start(day), availability.day_start(day + ONE_DAY)
            piece_start, piece_end = max(start, day_begins), min(end, day_ends)
            by_day[day].append({
                "booking": item.booking,
                "start": availability.local(piece_start).strftime("%H:%M"),
                "end": "24:00" if piece_end == day_ends else availability.local(piece_end).strftime("%H:%M"),
                "from_day_before": start < day_begins,
                "into_next_day": end > day_ends,
                "period": availability.format_period(start, end),
                "requester": item.booking.requester.name,
                "pending": item.status == Booking.Status.REQUESTED,
            })
    month = span.month_first
    cells = [{"date": day, "pieces": by_day[day], "is_today": day == today,
              "in_month": month is None or day.month == month.month} for day in days]

    def link(**params):
        return f"{base_url}?{urlencode(params)}#calendar"

    return {
        "view": span.view, "date": date, "days": cells, "weeks": [cells[n:n + 7] for n in range(0, len(cells), 7)],
        "first": days[0], "last": days[-1], "month": month,
        "weekday_names": [availability.weekday_name(n) for n in range(7)],
        "previous_url": link(view=span.view, date=span.previous.isoformat()),
        "next_url": link(view=span.view, date=span.following.isoformat()),
        "today_url": link(view=span.view, date=today.isoformat()),
        "week_url": link(view="week", date=date.isoformat()), "month_url": link(view="month", date=date.isoformat()),
        "previous_label": "Previous week" if span.view == "week" else "Previous month",
        "next_label": "Next week" if span.view == "week" else "Next month",
        "count": len(items),
    }


def calendar_section(html: str) -> str:
    match = re.search(r'<section class="mb-4" aria-labelledby="calendar-heading".*?</section>', html, re.S)
    assert match
    return match.group(0)


@pytest.fixture
def odd_school(cluster):
    return OrganizationFactory(cluster=cluster, name="O'Reilly & <Sons> \"school\"")


@pytest.fixture
def dorm(university):
    return ResourceFactory(owner=university, name="Dorm & <rooms>", kind="dormitory", always_open=True)


def book(resource, requester, status, start, hours):
    booking = BookingFactory(requester=requester, status=status,
                             period=period(start, start + datetime.timedelta(hours=hours)))
    return BookedResourceFactory(booking=booking, resource=resource)


@pytest.fixture
def bookings(lab, dorm, school, odd_school, university, org_admin):
    """Around next Monday, every other day: approved, requested, completed, declined and
    cancelled bookings by three organizations (the school's admin is staff of the second too),
    of the lab within a day, of the dormitory across midnight and over two days. Returns the
    Monday."""
    OrganizationRoleFactory(organization=odd_school, user=org_admin, role="staff")
    monday = next_weekday(0)
    for n in range(-9, 40, 2):
        day = monday + datetime.timedelta(days=n)
        status = ("approved", "requested", "completed", "declined", "cancelled")[n % 5]
        requester = (school, odd_school, university)[n % 3]
        book(lab, requester, status, at(day, "10:15"), 2)
        book(dorm, requester, status, at(day, "22:30"), 4 if n % 4 == 1 else 30)
    return monday


@pytest.mark.parametrize("who", ["org_admin", "uni_admin", "expert"])
@pytest.mark.parametrize("which", ["lab", "dorm"])
def test_the_calendar_is_the_html_the_former_templates_gave(client, request, cluster, bookings, who, which):
    user, resource = request.getfixturevalue(who), request.getfixturevalue(which)
    client.force_login(user)
    base_url = reverse("resource_detail", args=[cluster.slug, resource.pk])
    today = timezone.localdate()
    later = bookings + datetime.timedelta(days=31)
    cases = [(None, None), ("week", bookings), ("week", later), ("month", None), ("month", bookings),
             ("month", later), ("month", datetime.date(2000, 1, 5))]
    shown = []
    for view, date in cases:
        params = {key: value for key, value in (("view", view), ("date", date and date.isoformat())) if value}
        page = client.get(base_url, params).content.decode()
        roles = roles_for(user, cluster)
        former = FORMER_CALENDAR.render(Context({"resource": resource, "piece_template": FORMER_PIECE,
                                                 "calendar": former_calendar_context(
                                                     cluster=cluster, roles=roles, resource=resource, view=view,
                                                     date=date or today, base_url=base_url)}))
        assert calendar_section(page) == calendar_section(former), (view, date)
        shown.append(page)
    shown = "".join(shown)
    assert shown.count("data-booking=") > 20  # the cases show bookings...
    assert ("badge-warning" in shown) is (who != "expert")  # ...the own requests pending...
    assert ("(the whole booking:" in shown) is (which == "dorm")  # ...and the pieces of long bookings


@pytest.mark.parametrize("language", ["en", "ru", "uz"])
def test_a_piece_is_the_former_partial_in_every_language(language):
    pieces = [
        {"booking": 7, "start": "10:00", "end": "12:00", "from_day_before": False, "into_next_day": False,
         "period": "", "requester": "School No. 1", "pending": False},
        {"booking": 8, "start": "22:00", "end": "24:00", "from_day_before": False, "into_next_day": True,
         "period": "2026-05-04 22:00 – 2026-05-05 02:00", "requester": "O'Reilly & <Sons> \"school\"", "pending": True},
        {"booking": 9, "start": "00:00", "end": "02:00", "from_day_before": True, "into_next_day": False,
         "period": "2026-05-04 22:00 – 2026-05-05 02:00", "requester": "<b>", "pending": False},
        {"booking": 10, "start": "00:00", "end": "24:00", "from_day_before": True, "into_next_day": True,
         "period": "2026-05-03 09:00 – 2026-05-06 09:00", "requester": "A & B", "pending": True},
    ]
    with translation.override(language):
        html = CalendarHtml()
        for piece in pieces:
            former = FORMER_PIECE.render(Context({"piece": {**piece, "booking": Booking(pk=piece["booking"])}}))
            assert html.piece(**piece) == former


def test_the_page_reads_the_resource_and_its_lists_in_one_query(client, cluster, coordinator, lab, school,
                                                                django_assert_num_queries):
    """Session, user, cluster, the resource with its lists, its managers: the same five queries
    with no booking and with a busy month."""
    monday = next_weekday(0)
    client.force_login(coordinator)
    url = reverse("resource_detail", args=[cluster.slug, lab.pk])
    for count in (0, 30):
        for n in range(count):
            book(lab, school, "approved", at(monday + datetime.timedelta(days=n % 20), f"{8 + n // 20:02d}:00"), 1)
        with django_assert_num_queries(5):
            response = client.get(url, {"view": "month", "date": monday.isoformat()})
        assert response.status_code == 200


def test_resource_page_reads_the_lists_in_their_order_and_types(cluster, coordinator, org_admin, lab, school,
                                                              university):
    monday = next_weekday(0)
    today = timezone.localdate()
    ClosedDateFactory(resource=lab, date=today + datetime.timedelta(days=9), reason="")
    ClosedDateFactory(resource=lab, date=today + datetime.timedelta(days=3), reason="Repairs")
    ClosedDateFactory(resource=lab, date=today - datetime.timedelta(days=3), reason="Past")
    for position, caption in ((2, "Second"), (1, "First")):
        ResourcePhoto.objects.create(cluster=cluster, resource=lab, image="x.png", content_type="image/png", size=1,
                                     caption=caption, position=position)
    approved = book(lab, university, "approved", at(monday, "14:00"), 1)
    own = book(lab, school, "requested", at(monday, "09:00"), 1)
    book(lab, university, "requested", at(monday, "11:00"), 1)  # another organization's request
    book(lab, school, "declined", at(monday, "12:00"), 1)
    book(lab, school, "approved", at(monday + datetime.timedelta(days=7), "10:00"), 1)  # after the range
    span = CalendarSpan.of("week", monday)

    def page(user):
        return selectors.resource_page(cluster=cluster, roles=roles_for(user, cluster), pk=lab.pk,
                                       start=span.start, end=span.end)

    resource = page(org_admin)
    assert resource.owner.name == university.name
    assert [(row["weekday"], row["opens"], row["closes"]) for row in resource.hours_rows] == [
        (weekday, datetime.time(9), datetime.time(18)) for weekday in range(5)]
    assert [row["caption"] for row in resource.photo_rows] == ["First", "Second"]
    assert [(row["date"], row["reason"]) for row in resource.closed_rows] == [
        (today + datetime.timedelta(days=3), "Repairs"), (today + datetime.timedelta(days=9), "")]
    assert [(row["booking"], row["start"], row["end"], row["status"], row["requester"])
            for row in resource.calendar_rows] == [
        (own.booking_id, at(monday, "09:00"), at(monday, "10:00"), "requested", school.name),
        (approved.booking_id, at(monday, "14:00"), at(monday, "15:00"), "approved", university.name)]
    assert [row["booking"] for row in page(coordinator).calendar_rows] == [approved.booking_id]


def test_another_clusters_resource_is_not_read(cluster, other_cluster, coordinator, lab):
    span = CalendarSpan.of("week", timezone.localdate())
    with pytest.raises(Resource.DoesNotExist):
        selectors.resource_page(cluster=other_cluster, roles=roles_for(coordinator, cluster), pk=lab.pk,
                                start=span.start, end=span.end)
