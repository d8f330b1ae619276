"""`{{ organization|localized:"name" }}`: a typed name in the reader's language (cluster_platform/names.py)."""

from django import template

from cluster_platform import names

register = template.Library()


@register.filter
def localized(obj, field="name"):
    return names.localized(obj, field)
