"""The user guide: a page per role (templates/guide/<role>.html) and an index of them. Public:
it explains the platform to people who have not signed in yet. Its screenshots are
cluster_platform/static/guide/<language>/<role>-<name>.png, one set per language of
settings.LANGUAGES, taken by tests/test_browser_guide.py (`make guide-screenshots`)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from members.languages import language_for

# The guide's roles in the order the index shows them, each with its title.
ROLES = {
    "coordinator": _("Coordinator"),
    "institution": _("Institution administrator"),
    "expert": _("Expert"),
    "authority": _("Education authority"),
}


def main_role(roles) -> str | None:
    """The guide page for a user with these roles (tenancy.Roles) in a cluster: the widest of
    them; None for none."""
    if roles.is_coordinator:
        return "coordinator"
    if roles.is_org_admin():
        return "institution"
    if roles.is_expert:
        return "expert"
    if roles.is_authority:
        return "authority"
    return None


def screenshot_language() -> str:
    """The folder of cluster_platform/static/guide/ whose screenshots the reader sees: the
    active language (LocaleMiddleware makes it one of settings.LANGUAGES), else the default."""
    return language_for(translation.get_language())


def index(request):
    return render(request, "guide/index.html", {"roles": ROLES.items()})


def role_page(request, role):
    if role not in ROLES:
        raise Http404("no such role in the guide")
    return render(request, f"guide/{role}.html", {
        "role": role, "role_title": ROLES[role], "roles": ROLES.items(), "screenshot_language": screenshot_language(),
    })
