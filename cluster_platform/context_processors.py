from django.conf import settings


def navigation(request):
    """The clusters of the signed-in user (for the switcher) and the demo flag."""
    context = {"DEMO_MODE": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from members.selectors import user_clusters

        context["my_clusters"] = user_clusters(user=user)
    return context
