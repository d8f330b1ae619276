"""The layout every page shares (templates/base.html and its includes) and its context
(context_processors.navigation): the links, cluster switcher and languages it shows, and that
it reverses its links once per process instead of on every page.

The production template engine keeps compiled templates in memory (Django's cached loader)."""

import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test.utils import override_script_prefix
from django.urls import reverse
from django.urls.resolvers import URLResolver

from cluster_platform.context_processors import CLUSTER_PAGES, navigation
from cluster_platform.tenancy import Roles
from cluster_platform.tests.test_settings import BASE_DIR, _production_env
from members.tests.factories import ClusterRoleFactory

SWITCHER_ITEM = re.compile(r'<a class="dropdown-item( active)?"\s+href="([^"]*)"( aria-current="true")?>([^<]*)</a>')


def navbar(html: str) -> str:
    return html.split('id="main-nav"')[1].split("</nav>")[0]


def switcher_items(html: str) -> list[tuple]:
    menu = navbar(html).split('aria-labelledby="cluster-switcher"')[1].split("</div>")[0]
    return SWITCHER_ITEM.findall(menu)


def test_the_navbar_links_every_page_of_the_cluster_and_the_account(client, cluster, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("dashboard", args=[cluster.slug])).content.decode()
    nav = navbar(html)
    for name in CLUSTER_PAGES:  # a coordinator is offered every one of them
        assert f'href="{reverse(name, args=[cluster.slug])}"' in nav, name
    dashboard = reverse("dashboard", args=[cluster.slug])
    assert f'<a class="navbar-brand text-wrap" href="{dashboard}">{cluster.name}</a>' in html
    assert f'href="{reverse("password_change")}"' in nav
    assert f'action="{reverse("logout")}"' in nav
    assert f'action="{reverse("set_language")}"' in nav


def test_each_cluster_links_its_own_pages_and_the_switcher_marks_it(client, cluster, other_cluster, coordinator):
    ClusterRoleFactory(cluster=other_cluster, user=coordinator, role="expert")
    client.force_login(coordinator)
    by_name = sorted([cluster, other_cluster], key=lambda each: each.name)
    for here, there in ((cluster, other_cluster), (other_cluster, cluster)):
        html = client.get(reverse("dashboard", args=[here.slug])).content.decode()
        assert f'href="{reverse("resource_list", args=[here.slug])}"' in navbar(html)
        assert f'href="{reverse("resource_list", args=[there.slug])}"' not in navbar(html)
        assert switcher_items(html) == [
            (" active", reverse("dashboard", args=[each.slug]), ' aria-current="true"', each.name) if each == here
            else ("", reverse("dashboard", args=[each.slug]), "", each.name)
            for each in by_name
        ]
    # Outside a cluster (the clusters read for the page, not with a cluster): none is current.
    html = client.get(reverse("password_change")).content.decode()
    assert switcher_items(html) == [("", reverse("dashboard", args=[each.slug]), "", each.name) for each in by_name]


def test_a_user_of_one_cluster_has_no_switcher(client, cluster, coordinator):
    client.force_login(coordinator)
    assert 'id="cluster-switcher"' not in client.get(reverse("dashboard", args=[cluster.slug])).content.decode()


@pytest.mark.parametrize("language", ["en", "ru", "uz", "uz-cyrl"])
def test_the_language_switcher_names_each_language_in_itself_and_selects_the_current_one(
    client, cluster, coordinator, language
):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("dashboard", args=[cluster.slug])).content.decode()
    options = re.findall(r'<option value="([\w-]+)" lang="([\w-]+)"( selected)?>([^<]*)</option>', html)
    assert options == [
        (code, code, " selected" if code == language else "", name)
        for code, name in (("en", "English"), ("ru", "Русский"), ("uz", "oʻzbek tili"),
                           ("uz-cyrl", "Ўзбекча (кирилл)"))
    ]


def _layout_request(rf, user, cluster, clusters):
    request = rf.get("/")
    request.user = user
    request.cluster = cluster
    request.cluster_roles = Roles(cluster_roles=frozenset({"coordinator"}), user_id=user.pk)
    request.user_clusters = clusters
    return request


def test_the_links_follow_the_script_prefix(rf, cluster, coordinator):
    request = _layout_request(rf, coordinator, cluster, [cluster])
    with override_script_prefix("/platform/"):
        prefixed = navigation(request)
    plain = navigation(request)
    assert prefixed["site_urls"]["home"] == "/platform/"
    assert prefixed["nav_urls"]["person_list"] == f"/platform/c/{cluster.slug}/people/"
    assert plain["site_urls"]["home"] == "/"
    assert plain["nav_urls"]["person_list"] == f"/c/{cluster.slug}/people/"


def test_the_layout_reverses_its_links_once_per_process(rf, monkeypatch, cluster, other_cluster, coordinator):
    request = _layout_request(rf, coordinator, cluster, [other_cluster, cluster])
    first = render_to_string("base.html", request=request)
    reversed_urls = []
    reverse_with_prefix = URLResolver._reverse_with_prefix

    def counted(self, lookup_view, *args, **kwargs):
        reversed_urls.append(lookup_view)
        return reverse_with_prefix(self, lookup_view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counted)
    again = render_to_string("base.html", request=request)
    assert reversed_urls == []
    # The same page: the navigation of every role's page and the switcher of both clusters.
    strip = re.compile(r'(value=|nonce=|"X-CSRFToken": )"[^"]*"')
    assert strip.sub("", again) == strip.sub("", first)
    assert f'href="{reverse("role_list", args=[cluster.slug])}"' in again
    assert f'href="{reverse("dashboard", args=[other_cluster.slug])}"' in again


_TEMPLATE_ENGINE = """
import django
django.setup()
from django.template import engines
engine = engines["django"].engine
print(engine.debug, [type(loader).__module__ for loader in engine.template_loaders])
"""


def test_production_keeps_compiled_templates_in_memory():
    result = subprocess.run(
        [sys.executable, "-c", _TEMPLATE_ENGINE], cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
        env=_production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False ['django.template.loaders.cached']"
