"""Project-wide pages: the home page (which cluster?) and the sign-in pages' forms."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render

from members.selectors import user_clusters

from . import forms


def home(request):
    """The user's clusters; straight to the dashboard when there is only one."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    clusters = list(user_clusters(user=request.user))
    if len(clusters) == 1:
        return redirect("dashboard", cluster_slug=clusters[0].slug)
    return render(request, "home.html", {"clusters": clusters})


class LoginView(auth_views.LoginView):
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
