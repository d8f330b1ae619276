"""What every members page shares: the cluster gate, role checks, paging and redirects."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from cluster_platform.pagination import (AFTER, BEFORE, MAX_PAGE_NUMBER, Keyset, count_from_page, count_in_query,
                                         count_rows, counts_with_page, page_and_total)
from cluster_platform.tenancy import ClusterViewMixin

from .. import selectors

PAGE_SIZE = 25


class ClusterPage(ClusterViewMixin, TemplateView):
    """A page under /c/<cluster_slug>/.

    `allowed` is a predicate from `members.permissions` taking the user's roles; a user with
    a role in the cluster but without that permission gets 403 (outsiders already got 404).
    """

    allowed = None
    nav_section = ""

    def check_cluster_permission(self):
        # Read through the class so a plain function is not bound as a method.
        predicate = type(self).allowed
        if predicate is not None and not predicate(self.roles):
            raise PermissionDenied

    def require(self, permitted: bool):
        """Object-level checks, once the object is loaded through the cluster."""
        if not permitted:
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_section"] = self.nav_section
        admin_of = self.roles.organizations_with("admin")
        # Lazy: evaluated only by the navbar of organization admins with several organizations.
        context["nav_admin_organizations"] = (
            selectors.organization_choices(cluster=self.cluster).filter(pk__in=sorted(admin_of))
            if len(admin_of) > 1 else ()
        )
        context["nav_admin_organization_id"] = next(iter(admin_of)) if len(admin_of) == 1 else None
        return context


class ServiceFormView(ClusterPage):
    """A page whose form hands its data to a service.

    GET shows the form. POST checks the form's shape, calls `perform(form)` (the service
    call, returning the saved object), then says `get_success_message()` and redirects to
    `get_success_url()`. A ValidationError from the service is shown on the form (beside the
    field it names, else above it) and the page answers 422, like an invalid form.
    """

    form_class = None

    def load(self) -> None:
        """Load the page's objects through the cluster and check object permissions;
        runs before GET and POST."""

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None):
        return self.form_class(data, **self.get_form_kwargs())

    def perform(self, form):
        raise NotImplementedError

    def get_success_message(self) -> str:
        return ""

    def get_success_url(self) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.object = self.perform(form)
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                if message := self.get_success_message():
                    messages.success(request, message)
                return redirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form), status=422)


def organization_section(roles, organization) -> str:
    """The navbar entry an organization's pages belong to: "My organization" for its admins."""
    return "my_organization" if organization.pk in roles.organizations_with("admin") else "organizations"


class ListPage:
    """One page of a list, for the templates (includes/pagination.html).

    Numbered pages while the list is short enough to count (cluster_platform.pagination
    counts exactly up to 10,000 rows); past that, "Next" and "Previous" carry a keyset
    cursor, so a page deep in a long list costs what the first one does.
    """

    ELLIPSIS = Paginator.ELLIPSIS

    def __init__(self, rows, *, count, exact, per_page, number=None, has_next=False, has_previous=False,
                 next_cursor=None, previous_cursor=None):
        self.object_list = rows
        self.count = count
        self.count_is_estimate = not exact
        self.per_page = per_page
        self.number = number
        self._has_next = has_next
        self._has_previous = has_previous
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor
        self.num_pages = max(1, -(-count // per_page)) if exact else None
        self.elided_range = self._elided_range()

    # The template and the views read a Page's attributes under these names.
    @property
    def paginator(self):
        return self

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self._has_previous

    def has_other_pages(self):
        return self._has_next or self._has_previous

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1

    def start_index(self):
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self):
        return (self.number - 1) * self.per_page + len(self.object_list)

    def _elided_range(self):
        if self.number is None or self.num_pages is None:
            return []
        paginator = Paginator(range(self.count), self.per_page)
        return list(paginator.get_elided_page_range(self.number, on_each_side=2, on_ends=1))


def _page_number(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", 1))), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


def _page_counted_with_rows(request, queryset, keyset, per_page) -> ListPage | None:
    """The numbered page of a list counted in its page's query (pagination.page_and_total), or
    None past its end, where paginate() counts first and takes the nearest page."""
    number = _page_number(request)
    if keyset is not None:
        queryset = keyset.ordered(queryset)
    start = (number - 1) * per_page
    rows, total = page_and_total(queryset, start, start + per_page + 1)
    if total is None:
        return None
    return ListPage(rows[:per_page], count=total, exact=True, per_page=per_page, number=number,
                    has_next=len(rows) > per_page, has_previous=number > 1)


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> ListPage:
    """The requested page (`?page=N`, or `?cursor=` from a Next/Previous link). A malformed or
    out-of-range page number gives the nearest page, a stale cursor the first page."""
    keyset = Keyset.of(queryset)
    cursor = request.GET.get("cursor")
    if counts_with_page(queryset) and not cursor:
        page = _page_counted_with_rows(request, queryset, keyset, per_page)
        if page is not None:
            return page
    # Counted up to the cap by the page's own query, unless the list's estimate is kept.
    counting = count_in_query(queryset)
    if keyset is not None and cursor:
        try:
            direction, values = keyset.decode(cursor)
        except ValidationError:
            pass
        else:
            rows, more = keyset.page(queryset if counting is None else counting, direction, values, per_page)
            count, exact = count_rows(queryset) if counting is None else count_from_page(queryset, rows)
            has_next, has_previous = (more, bool(rows)) if direction == AFTER else (bool(rows), more)
            return ListPage(
                rows, count=count, exact=exact, per_page=per_page, has_next=has_next, has_previous=has_previous,
                next_cursor=keyset.cursor(AFTER, rows[-1]) if has_next and rows else None,
                previous_cursor=keyset.cursor(BEFORE, rows[0]) if has_previous and rows else None,
            )
    number = _page_number(request)
    page_of = queryset if counting is None else counting
    if keyset is not None:
        page_of = keyset.ordered(page_of)
    if counting is None:
        count, exact = count_rows(queryset)
        if exact:
            number = min(number, max(1, -(-count // per_page)))
    start = (number - 1) * per_page
    rows = list(page_of[start:start + per_page + 1])
    if counting is not None:
        count, exact = count_from_page(queryset, rows)
        if not rows and number > 1 and exact:  # past the end of a counted list: its last page
            number = max(1, -(-count // per_page))
            start = (number - 1) * per_page
            rows = list(page_of[start:start + per_page + 1])
    if not rows and number > 1:  # past the end of an estimated list: the first page
        number, rows = 1, list(page_of[:per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    # A list too long to count goes on by cursor: no OFFSET deep into it.
    by_cursor = keyset is not None and not exact
    return ListPage(
        rows, count=count, exact=exact, per_page=per_page, number=number, has_next=has_next,
        has_previous=number > 1,
        next_cursor=keyset.cursor(AFTER, rows[-1]) if by_cursor and has_next else None,
    )


def redirect_back(request, fallback: str):
    """Redirect to the `next` the form carried when it is a local URL, else to `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)
