"""Project middleware."""

from django.conf import settings
from django.utils import translation

from members.signals import SESSION_LANGUAGE_KEY


class UserLanguageMiddleware:
    """A signed-in user's remembered language, for a browser that has not chosen one.

    LocaleMiddleware (before authentication) picks the language from the cookie or the
    Accept-Language header. When there is no language cookie (a new device, a cleared browser)
    and the session holds the language the user chose on their profile (put there at sign-in),
    that language wins over Accept-Language. The choice is in the session, so this adds no
    query to a request (the session and the user are loaded for the page anyway). Placed right
    after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._remembered(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        # No header work here: LocaleMiddleware.process_response (Django 5.2) runs after this
        # returns and sets Content-Language from translation.get_language(), which is still the
        # language activated above, and adds Vary: Accept-Language; SessionMiddleware adds
        # Vary: Cookie since the session was read.
        return self.get_response(request)

    @staticmethod
    def _remembered(request) -> str:
        available = dict(settings.LANGUAGES)
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in available:
            return ""
        session = getattr(request, "session", None)
        if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return ""  # no session to look in: leave it unread (no Vary: Cookie on public pages)
        language = session.get(SESSION_LANGUAGE_KEY)
        if language not in available or not request.user.is_authenticated:
            return ""
        return language
