"""API authentication classes. DRF imports them while `rest_framework.views` itself loads,
so this module imports nothing from DRF's views or from the viewset bases."""

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .prepared import PreparedQuery


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication under the same account rules as a browser session.

    cluster_platform.auth_backends refuses demo accounts outside DEMO_MODE, at login and when
    a session is restored. A token issued while a demo ran would otherwise keep opening the
    API of a database that has since left demo mode. The group test rides on the token's query
    (the user's row with the token's), so authenticating a request still costs one query.
    """

    def authenticate_credentials(self, key):
        if not isinstance(key, str) or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        users = _TOKEN_USER_QUERY.rows(shape=(settings.DEMO_MODE,), key=key)
        if not users or getattr(users[0], "in_demo_group", False):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = users[0]
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        model = self.get_model()
        token = model.from_db(model.objects.db, ["key", "user_id", "created"], [key, user.pk, user.token_created])
        token.user = user
        return user, token


def _token_user_query(demo_mode: bool, *, key: str):
    """The token's user with the token's creation time, and outside demo mode whether the user
    is a demo account, in one query built once (cluster_platform.prepared)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from .auth_backends import DEMO_GROUP

    users = get_user_model()._default_manager.filter(auth_token__key=key).annotate(
        token_created=F("auth_token__created"))
    if demo_mode:
        return users
    return users.annotate(in_demo_group=Exists(Group.objects.filter(name=DEMO_GROUP, user=OuterRef("pk"))))


_TOKEN_USER_QUERY = PreparedQuery(_token_user_query)
