"""Authentication: the model backend, except that demo accounts only work in demo mode.

`seed_demo` creates accounts whose password is "demo" and puts them in the group named
DEMO_GROUP. Should such a database ever be served with DEMO_MODE off (a copy of a demo
database, a demo that became a pilot), those accounts must not open a session: this
backend refuses them at login and also when a session is restored on a later request.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from .prepared import PreparedQuery

DEMO_GROUP = "demo"

_IN_DEMO_GROUP = "_in_demo_group"


def _demo_group_subquery():
    return Exists(Group.objects.filter(name=DEMO_GROUP, user=OuterRef("pk")))


def is_demo_account(user) -> bool:
    annotated = getattr(user, _IN_DEMO_GROUP, None)
    if annotated is not None:
        return annotated
    return user.groups.filter(name=DEMO_GROUP).exists()


def _user_query(demo_mode: bool, *, user_id: int):
    users = get_user_model()._default_manager.filter(pk=user_id)
    return users if demo_mode else users.annotate(**{_IN_DEMO_GROUP: _demo_group_subquery()})


_USER_QUERY = PreparedQuery(_user_query)


class DemoAwareModelBackend(ModelBackend):
    """ModelBackend that refuses members of the "demo" group unless settings.DEMO_MODE."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        if settings.DEMO_MODE:
            return True
        return not is_demo_account(user)

    def get_user(self, user_id):
        # Runs on every request with a session: the group test rides on the user query, so
        # restoring a session still costs one query, built once (cluster_platform.prepared).
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        users = _USER_QUERY.rows(shape=(settings.DEMO_MODE,), user_id=user_id)
        if not users:
            return None
        return users[0] if self.user_can_authenticate(users[0]) else None

    # The parent's async variants call user_can_authenticate, which may query, inline.
    async def aauthenticate(self, request, **kwargs):
        return await sync_to_async(self.authenticate)(request, **kwargs)

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)
