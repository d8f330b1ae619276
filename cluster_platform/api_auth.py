"""API authentication classes. DRF imports them while `rest_framework.views` itself loads,
so this module imports nothing from DRF's views or from the viewset bases."""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication under the same account rules as a browser session.

    cluster_platform.auth_backends refuses demo accounts outside DEMO_MODE, at login and when
    a session is restored. A token issued while a demo ran would otherwise keep opening the
    API of a database that has since left demo mode. The group test rides on the token query,
    so authenticating a request still costs one query.
    """

    def authenticate_credentials(self, key):
        if settings.DEMO_MODE:
            return super().authenticate_credentials(key)
        from django.contrib.auth.models import Group

        from .auth_backends import DEMO_GROUP

        model = self.get_model()
        try:
            token = (
                model.objects.select_related("user")
                .annotate(in_demo_group=Exists(Group.objects.filter(name=DEMO_GROUP, user=OuterRef("user"))))
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if token.in_demo_group:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
