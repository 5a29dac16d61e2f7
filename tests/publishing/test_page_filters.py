"""The article page's quick filters and per-process addresses say exactly what Django's own
filters and static() say, whatever the time zone, the language or the settings."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from publishing.context_processors import assets, site_links

UTC = datetime.UTC


def render(source, **context):
    return Template("{% load vetted %}" + source).render(Context(context))


DJANGO_TIME = """<time datetime="{{ v|date:'Y-m-d\\TH:i:sO' }}">{{ v|date:"j F Y" }}</time>"""
DJANGO_DAY = """<time datetime="{{ v|date:'Y-m-d' }}">{{ v|date:"j F Y" }}</time>"""

MOMENTS = [
    datetime.datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
    # Late in the evening in UTC: already the next day (and month, and year) further east.
    datetime.datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
    datetime.datetime(2026, 7, 1, 0, 15, tzinfo=ZoneInfo("America/New_York")),
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Pacific/Auckland", "America/Denver"])
def test_time_element_says_what_the_date_filter_says(moment, zone):
    with override_settings(TIME_ZONE=zone):
        assert render("{{ v|time_element }}", v=moment) == render(DJANGO_TIME, v=moment)
        assert render('{{ v|time_element:"day" }}', v=moment) == render(DJANGO_DAY, v=moment)


def test_time_element_follows_the_active_language():
    moment = MOMENTS[0]
    with translation.override("de"):
        german = render("{{ v|time_element }}", v=moment)
        assert german == render(DJANGO_TIME, v=moment)
    assert "März" in german
    assert "March" in render("{{ v|time_element }}", v=moment)  # not the German one, memoised


def test_time_element_of_nothing_is_nothing():
    assert render("[{{ v|time_element }}]", v=None) == "[]"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short.",
        "x" * 160,
        "x" * 161,
        "Vitamin D and K2 together for bones: what the trials found " * 5,
        "Mots accentués et e\u0301 combinés " * 10,
    ],
)
@pytest.mark.parametrize("length", [160, 200])
def test_shortened_cuts_as_truncatechars_does(text, length):
    ours = render("{{ t|shortened:n }}", t=text, n=length)
    assert ours == Template("{{ t|truncatechars:n }}").render(Context({"t": text, "n": length}))


def test_shortened_text_is_still_escaped():
    assert render("{{ t|shortened:160 }}", t="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_the_layout_addresses_follow_the_settings():
    assert site_links()["assets"]["site_css"].startswith("/static/css/site")
    with override_settings(STATIC_URL="https://assets.example/vetted/"):
        assert assets()["site_css"].startswith("https://assets.example/vetted/css/site")
        assert assets()["site_image"]["url"].startswith("https://assets.example/vetted/img/")
    assert assets()["site_css"].startswith("/static/css/site")
    with override_settings(SITE_URL="https://vetted.example"):
        assert assets()["site_image"]["url"].startswith("https://vetted.example/static/img/")


def test_public_and_admin_pages_name_the_site_icon(client, admin_user):
    """Without a named icon every browser asks for /favicon.ico, which answers 404."""
    icon = f'<link rel="icon" href="{assets()["favicon"]}" type="image/svg+xml">'
    assert icon in client.get("/").content.decode()
    client.force_login(admin_user)
    assert 'rel="icon"' in client.get("/admin/").content.decode()
