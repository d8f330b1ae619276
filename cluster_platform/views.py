"""Project-wide pages: the home page (which cluster?), the sign-in pages' forms and the language
switcher.

Sign-ins are guarded by django-axes (settings.AXES_*): its backend refuses a username that failed
too often from the same address, and its middleware answers with cluster_platform.lockout's page.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import i18n

from members.selectors import user_clusters
from members.services import language_set
from members.signals import remember_in_session

from . import forms, lockout


def home(request):
    """The user's clusters; straight to the dashboard when there is only one."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    clusters = list(user_clusters(user=request.user))
    if len(clusters) == 1:
        return redirect("dashboard", cluster_slug=clusters[0].slug)
    return render(request, "home.html", {"clusters": clusters})


class LoginView(auth_views.LoginView):
    # AuthenticationForm calls authenticate(request, ...), which django-axes needs: failures are
    # counted per username and address, a lockout answers 429 (lockout.lockout_response) and a
    # successful sign-in clears that pair's failures (AXES_RESET_ON_SUCCESS).
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever set the password through the emailed link owns the account: a sign-in lockout
        # of this username (from any address) must not keep them out for the rest of the cool-off.
        lockout.failures_clear(username=form.user.get_username())
        return response


def set_language(request):
    """Django's set_language (the cookie, the safe `next` redirect, GET changes nothing), and for
    a signed-in user the choice is also kept on their profile, so it follows them to another
    device and into their certificates."""
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER) if request.method == "POST" else None
    if language and request.user.is_authenticated:
        try:
            language_set(user=request.user, language=language)
        except ValidationError:
            pass  # an unknown code: Django's view ignores it too, and the profile keeps the old one
        else:
            remember_in_session(request.session, language)
    return i18n.set_language(request)
