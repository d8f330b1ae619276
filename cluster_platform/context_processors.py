"""The layout's context: what base.html and includes/cluster_nav.html need on every page."""

from functools import lru_cache
from types import MappingProxyType

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

# The pages the layout links to: the site's, and a cluster's (its slug their only argument).
SITE_PAGES = ("home", "login", "logout", "password_change", "set_language", "guide")
CLUSTER_PAGES = (
    "dashboard", "organization_list", "agreement_list", "resource_list", "program_list",
    "innovation_list", "report_list", "application_list", "person_list", "role_list",
)


@lru_cache(maxsize=256)
def _page_urls(urlconf, script_prefix: str, cluster_slug: str | None) -> MappingProxyType:
    """SITE_PAGES' URLs, or CLUSTER_PAGES' of the cluster at `cluster_slug`.

    Every page shows a dozen of these links, and a {% url %} costs tens of microseconds: more
    than the rest of the navbar. They depend only on the URLconf, the script prefix (reverse()
    reads it) and the cluster, the key here, so each is reversed once per process. Slugs come
    from clusters read from the database, never from the request alone: a few entries each."""
    if cluster_slug is None:
        urls = {name: reverse(name, urlconf=urlconf) for name in SITE_PAGES}
    else:
        urls = {name: reverse(name, urlconf=urlconf, args=[cluster_slug]) for name in CLUSTER_PAGES}
    return MappingProxyType(urls)  # shared by every request: read-only


@lru_cache(maxsize=8)
def _guide_urls(urlconf, script_prefix: str) -> MappingProxyType:
    """The guide's page of each role (cluster_platform.guide.ROLES), reversed once per process."""
    from . import guide

    return MappingProxyType({role: reverse("guide_role", urlconf=urlconf, args=[role]) for role in guide.ROLES})


@lru_cache(maxsize=8)
def _languages(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(code, name in that language) of each language, for the language switcher."""
    return tuple((info["code"], info["name_local"]) for info in map(get_language_info, codes))


def navigation(request):
    """What the layout shows beyond the request itself: the site's links and languages; the
    clusters of the signed-in user (for the switcher); in a cluster, its links and which of the
    role-dependent ones the navigation shows (decided by members.permissions, so the navbar
    offers exactly the pages that will open), its colours and logo. The demo flag."""
    # A request's URLconf (set by the handler), else the settings' (a template rendered outside one).
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    site_urls = _page_urls(urlconf, prefix, None)
    context = {
        "DEMO_MODE": settings.DEMO_MODE,
        "site_urls": site_urls,
        # The guide: the page of the user's main role in this cluster (below), else its index.
        "guide_url": site_urls["guide"],
        "layout_languages": _languages(tuple(code for code, _name in settings.LANGUAGES)),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from members.selectors import user_clusters

        # A page under a cluster read them with the cluster (tenancy.find_cluster).
        clusters = getattr(request, "user_clusters", None)
        clusters = clusters if clusters is not None else user_clusters(user=user)
        context["my_clusters"] = clusters
        # Each with its dashboard's link; read only by the switcher of a user of several clusters.
        context["cluster_switcher"] = SimpleLazyObject(
            lambda: [(other, _page_urls(urlconf, prefix, other.slug)["dashboard"]) for other in clusters]
        )
    cluster = getattr(request, "cluster", None)
    if cluster is not None:
        from members import branding

        context["nav_urls"] = _page_urls(urlconf, prefix, cluster.slug)
        # The cluster's colours and logo in the header; read with the cluster, no query.
        context["cluster_theme_css"] = branding.theme_css(cluster)
        context["cluster_logo_url"] = branding.logo_url(cluster)
    roles = getattr(request, "cluster_roles", None)
    if roles is not None:
        from members import permissions

        from . import guide

        main_role = guide.main_role(roles)
        if main_role is not None:
            context["guide_url"] = _guide_urls(urlconf, prefix)[main_role]
        context["nav_can_view_people"] = permissions.can_view_people(roles)
        from reports import permissions as report_permissions

        context["nav_can_view_reports"] = report_permissions.can_view(roles)
    return context
