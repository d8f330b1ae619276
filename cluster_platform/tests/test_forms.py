"""cluster_platform.forms: the fast <select> renders what Django's templates render (but for the
whitespace between the tags)."""

import pytest
from django import forms
from django.test.html import parse_html

from cluster_platform.forms import BootstrapFormMixin, FastSelect, FastSelectMultiple

CHOICES = [
    ("", "All organizations"),
    (1, "School No. 1 <Shimoliy>"),
    (2, 'Lyceum "Ziyo" & partners'),
    ("Colleges", [(3, "College No. 3"), (4, "College No. 4")]),
]


class Filter(BootstrapFormMixin, forms.Form):
    party = forms.TypedChoiceField(choices=CHOICES, required=False, coerce=int, empty_value=None)
    parties = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    plain = forms.ChoiceField(choices=[("a", "A")], required=False, widget=forms.Select(attrs={"disabled": True}))


@pytest.mark.parametrize("value", [None, "", 2, "3", ["1", "4"]])
@pytest.mark.parametrize(("fast", "stock"), [(FastSelect, forms.Select), (FastSelectMultiple, forms.SelectMultiple)])
def test_the_html_is_the_same_as_djangos(fast, stock, value):
    attrs = {"id": "id_party", "class": "custom-select", "aria-describedby": "party-help", "required": False}
    expected = stock(choices=CHOICES).render("party", value, attrs=attrs)
    # The same elements, attributes and text; only the whitespace between tags differs.
    assert parse_html(fast(choices=CHOICES).render("party", value, attrs=attrs)) == parse_html(expected)


def test_forms_get_the_fast_widget_and_render_as_before():
    form = Filter(data={"party": "2", "parties": ["1", "3"]})
    assert type(form.fields["party"].widget) is FastSelect
    assert type(form.fields["parties"].widget) is FastSelectMultiple
    html = str(form["party"])
    assert '<option value="2" selected>Lyceum &quot;Ziyo&quot; &amp; partners</option>' in html
    assert "School No. 1 &lt;Shimoliy&gt;" in html and '<optgroup label="Colleges">' in html
    assert 'class="custom-select"' in html
    assert " disabled" in str(form["plain"])
