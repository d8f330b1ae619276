"""API pagination and error handling, kept apart from the viewset bases so that DRF's
settings can import them early."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .pagination import (AFTER, BEFORE, MAX_PAGE_NUMBER, Keyset, count_from_page, count_in_query, count_rows,
                         counts_with_page, page_and_total)


class Pagination(pagination.PageNumberPagination):
    """Pages of 50 (`page_size` up to 500), with two things the stock class lacks at scale.

    - `next` and `previous` are keyset links (`?cursor=`) wherever the list's ordering allows
      it (cluster_platform.pagination.Keyset): the page a client walks to after 100,000 rows
      costs what page 1 costs. `?page=N` still works for jumping near the start.
    - `count` is exact up to 10,000 rows and the planner's estimate beyond, with
      `count_is_estimate` saying which: no count of a million rows per page.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        self.keyset = Keyset.of(queryset)
        cursor = request.query_params.get(self.cursor_query_param)
        # A search's matches are counted in its page's query (pagination.page_and_total); any
        # other list is counted up to the cap by its page's query too, unless its estimate is kept.
        self.total = None
        together = cursor is None and counts_with_page(queryset)
        counting = None if together else count_in_query(queryset)
        if not together and counting is None:
            self.count, self.count_exact = count_rows(queryset)
        page_of = queryset if counting is None else counting
        if cursor is not None:
            rows = self._cursor_page(page_of, cursor, size)
        else:
            rows = self._numbered_page(page_of, size, with_total=together)
        if together:
            self.count, self.count_exact = (self.total, True) if self.total is not None else count_rows(queryset)
        elif counting is not None:
            self.count, self.count_exact = count_from_page(queryset, rows)
        self.rows = rows
        return rows

    def _cursor_page(self, queryset, cursor, size):
        if self.keyset is None:
            raise exceptions.ValidationError({self.cursor_query_param: [_("This list is not paged by cursor.")]})
        try:
            direction, values = self.keyset.decode(cursor)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({self.cursor_query_param: error.messages}) from None
        rows, more = self.keyset.page(queryset, direction, values, size)
        self.number = None
        # Rows on the far side of the cursor exist (the cursor came from one of them), unless
        # the page is empty: a cursor past the end.
        self.has_next, self.has_previous = (more, bool(rows)) if direction == AFTER else (bool(rows), more)
        return rows

    def _numbered_page(self, queryset, size, *, with_total=False):
        raw = self.request.query_params.get(self.page_query_param, "1")
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if not 1 <= number <= MAX_PAGE_NUMBER:  # beyond, its OFFSET would overflow the query
            raise exceptions.NotFound(_("Invalid page."))
        if self.keyset is not None:
            queryset = self.keyset.ordered(queryset)
        start = (number - 1) * size
        if with_total:
            rows, self.total = page_and_total(queryset, start, start + size + 1)
        else:
            rows = list(queryset[start:start + size + 1])
        if not rows and number > 1:
            raise exceptions.NotFound(_("Invalid page."))
        self.number = number
        self.has_next, self.has_previous = len(rows) > size, number > 1
        return rows[:size]

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        url = self.request.build_absolute_uri()
        if self.keyset is not None:
            url = remove_query_param(url, self.page_query_param)
            return replace_query_param(url, self.cursor_query_param, self.keyset.cursor(AFTER, self.rows[-1]))
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        url = self.request.build_absolute_uri()
        if self.number is None:
            return replace_query_param(url, self.cursor_query_param, self.keyset.cursor(BEFORE, self.rows[0]))
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response({
            "count": self.count,
            "count_is_estimate": not self.count_exact,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "True when `count` is the database's estimate (lists of more than 10,000 rows).",
        }
        response["required"] = ["count", "count_is_estimate", "next", "previous", "results"]
        return response

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": "A position in the list, from a `next` or `previous` link.",
            "schema": {"type": "string"},
        }]


def _validation_detail(error: DjangoValidationError):
    # Django files errors that belong to no single field (a unique constraint over several
    # columns) under "__all__"; API clients know DRF's key for them instead.
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if hasattr(error, "error_dict"):
        return {
            (non_field if field == NON_FIELD_ERRORS else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {non_field: [str(m) for m in error.messages]}


def exception_handler(exc, context):
    """Service errors become API errors: ValidationError 400 naming the field, 403, 404."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404) or exc.__class__.__name__ == "DoesNotExist":
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


