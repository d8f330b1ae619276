"""iCalendar (RFC 5545) feeds of bookings: what a calendar link shows, and the writer.

The writer is small on purpose (no dependency): VCALENDAR with VEVENTs, every time in UTC
("Z" form, so no VTIMEZONE is needed and Asia/Tashkent 09:00 is 04:00Z whatever the
subscriber's zone), TEXT values escaped (backslash, semicolon, comma, newline), content lines
folded at 75 octets without splitting a UTF-8 character, CRLF line endings.

A feed shows the bookings from WINDOW_PAST before now to WINDOW_AHEAD after, one VEVENT per
booked resource (UID booking-<booking id>-<resource id>@<cluster slug>, stable
across reads and status changes, so a calendar updates the event in place):
- a resource's feed: its approved and completed bookings;
- an organization's feed: the approved and completed bookings it requested, its requests still
  awaiting a decision (STATUS:TENTATIVE), and the approved and completed bookings of the
  resources it owns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import BOOKED_STATUSES, BookedResource, Booking, CalendarFeed

PRODID = "-//Cluster platform//Resources and bookings//EN"
WINDOW_PAST = datetime.timedelta(days=30)
WINDOW_AHEAD = datetime.timedelta(days=365)
MAX_OCTETS = 75
CRLF = "\r\n"

STATUS = {
    Booking.Status.APPROVED: "CONFIRMED",
    Booking.Status.COMPLETED: "CONFIRMED",
    Booking.Status.REQUESTED: "TENTATIVE",
}


# --- Writer -----------------------------------------------------------------------------------

def escape_text(value) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash first, then ; , and line breaks."""
    text = str(value or "")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    # Other control characters are not allowed in TEXT (3.1): drop them.
    return "".join(ch for ch in text if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def format_utc(moment: datetime.datetime) -> str:
    """A DATE-TIME in UTC form: 20300107T040000Z."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """A content line folded at 75 octets (3.1): each continuation starts with one space, which
    counts towards its 75; a multi-octet UTF-8 character is never split."""
    parts, current, size, limit = [], [], 0, MAX_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [" "], 1, MAX_OCTETS
        current.append(char)
        size += octets
    parts.append("".join(current))
    return CRLF.join(parts)


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime.datetime
    end: datetime.datetime
    stamp: datetime.datetime
    summary: str
    status: str
    location: str = ""
    description: str = ""


def render_calendar(*, name: str, events: list[Event]) -> str:
    """The whole VCALENDAR object as text, CRLF after every line."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        # Hints for Google, Outlook and Apple calendars: poll about every hour.
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{format_utc(event.stamp)}",
            f"DTSTART:{format_utc(event.start)}",
            f"DTEND:{format_utc(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += [f"STATUS:{event.status}", "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


# --- What a feed shows --------------------------------------------------------------------------

def feed_items(feed: CalendarFeed, now: datetime.datetime):
    """The booked resources the feed shows, with their bookings, requesters and resources
    (one query)."""
    window = DateTimeTZRange(now - WINDOW_PAST, now + WINDOW_AHEAD, "[)")
    items = BookedResource.objects.for_cluster(feed.cluster).filter(period__overlap=window)
    if feed.resource_id is not None:
        items = items.filter(resource_id=feed.resource_id, status__in=BOOKED_STATUSES)
    else:
        items = items.filter(
            Q(booking__requester_id=feed.organization_id, status__in=(*BOOKED_STATUSES, Booking.Status.REQUESTED))
            | Q(resource__owner_id=feed.organization_id, status__in=BOOKED_STATUSES)
        )
    return items.select_related("booking__requester", "resource").order_by("period", "pk")


def feed_target_name(feed: CalendarFeed) -> str:
    """What the feed is of: the resource, or the organization (in the reader's language)."""
    return feed.resource.name if feed.resource_id is not None else feed.organization.localized_name


def feed_name(feed: CalendarFeed) -> str:
    return _("Bookings: %(name)s") % {"name": feed_target_name(feed)}


def item_event(item: BookedResource, cluster_slug: str) -> Event:
    booking = item.booking
    description = [
        _("Requested by %(organization)s") % {"organization": booking.requester.localized_name},
        _("Participants: %(count)s") % {"count": booking.participants},
    ]
    if booking.purpose:
        description.append(booking.purpose)
    if item.status == Booking.Status.REQUESTED:
        description.insert(0, _("Requested, awaiting the owner's decision."))
    return Event(
        uid=f"booking-{booking.pk}-{item.resource_id}@{cluster_slug}",
        start=item.period.lower,
        end=item.period.upper,
        stamp=booking.updated_at,
        summary=f"{item.resource.name} — {booking.requester}",
        status=STATUS.get(item.status, "CONFIRMED"),
        location=item.resource.location,
        description="\n".join(description),
    )


def feed_calendar(feed: CalendarFeed, now: datetime.datetime) -> str:
    slug = feed.cluster.slug
    return render_calendar(name=feed_name(feed), events=[item_event(item, slug) for item in feed_items(feed, now)])
