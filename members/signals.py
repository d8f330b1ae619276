"""Signal receivers of the members app: only the sign-in hook that puts the user's remembered
language in the session (cluster_platform.middleware.UserLanguageMiddleware reads it there, so
no request after sign-in needs a query for it)."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .models import Profile

# The session key of the remembered language; set at sign-in and by the language switcher.
SESSION_LANGUAGE_KEY = "members_language"


def remember_in_session(session, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        session[SESSION_LANGUAGE_KEY] = language
    else:
        session.pop(SESSION_LANGUAGE_KEY, None)


@receiver(user_logged_in, dispatch_uid="members.profile_language_to_session")
def profile_language_to_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""
    remember_in_session(request.session, language)
