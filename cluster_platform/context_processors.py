from django.conf import settings


def navigation(request):
    """The clusters of the signed-in user (for the switcher), the demo flag, and which
    role-dependent links the cluster navigation shows (decided by members.permissions, so
    the navbar offers exactly the pages that will open)."""
    context = {"DEMO_MODE": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from members.selectors import user_clusters

        # A page under a cluster read them with the cluster (tenancy.find_cluster).
        clusters = getattr(request, "user_clusters", None)
        context["my_clusters"] = clusters if clusters is not None else user_clusters(user=user)
    roles = getattr(request, "cluster_roles", None)
    if roles is not None:
        from members import permissions

        context["nav_can_view_people"] = permissions.can_view_people(roles)
        from reports import permissions as report_permissions

        context["nav_can_view_reports"] = report_permissions.can_view(roles)
    return context
