"""The indicators as rows, CSV and XLSX: the figures, the previous period, the change,
translated labels and neutralised formulas."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from reports import exports, indicators
from reports.tests import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(cluster):
    """The hand-made history of test_indicators, as a report keeps it."""
    scenario.build(cluster)
    return indicators.snapshot(cluster, scenario.START, scenario.END)


def find(rows, section, indicator, breakdown=""):
    matches = [row for row in rows if (row.section, row.indicator, row.breakdown) == (section, indicator, breakdown)]
    assert len(matches) == 1, (section, indicator, breakdown, matches)
    return matches[0]


def test_every_figure_is_a_row_with_the_previous_period_and_the_change(data):
    rows = exports.rows(data)
    total = find(rows, "Members", "At the end of the period", "Total")
    assert (total.value, total.previous, total.change) == (
        data["current"]["members"]["at_end"]["total"], data["previous"]["members"]["at_end"]["total"],
        data["current"]["members"]["at_end"]["total"] - data["previous"]["members"]["at_end"]["total"])
    assert find(rows, "Members", "At the end of the period", "by kind and status / School / Active").value == 6
    assert find(rows, "School ratings", "Latest rating period", "by district / Yangiyul / Red").value == 2
    assert find(rows, "School ratings", "Movement between the two", "from → to / Red / Yellow").value == 1
    pairs = find(rows, "Cooperation network", "Cooperating pairs")
    assert (pairs.value, pairs.previous, pairs.change) == (14, 11, 3)
    assert find(rows, "Programmes", "Competence growth", "Mean gain").value == 13.33
    # The flow's chart series and the network's previous period are not rows of their own.
    assert not any(row.indicator == "flow" or "previous" in row.breakdown for row in rows)


def test_labels_follow_the_readers_language(data):
    with translation.override("ru"):
        russian = exports.rows(data)
    english = exports.rows(data)
    assert len(russian) == len(english)
    # Codes never leak as labels in either language.
    assert not any(row.indicator in ("at_end", "by_kind_status") for row in english + russian)


def test_csv_has_a_bom_a_header_and_the_figures(data):
    content = exports.csv_bytes(data)
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == ["Section", "Indicator", "Breakdown", "Value", "Previous period", "Change"]
    assert ["Cooperation network", "Cooperating pairs", "", "14", "11", "3"] in table
    assert len(table) == len(exports.rows(data)) + 1


EVIL = '=HYPERLINK("http://evil.example","x")'


def _with_formula(data):
    """An unknown grouping code (as free text would be) that opens a cell: "=... / New"."""
    current = {**data["current"], "agreements": {**data["current"]["agreements"]}}
    current["agreements"]["by_kind"] = {**current["agreements"]["by_kind"], EVIL: {"new": 1}}
    return {**data, "current": current}


def test_formulas_are_neutralised_in_csv(data):
    text = exports.csv_bytes(_with_formula(data)).decode("utf-8-sig")
    breakdowns = [row[2] for row in csv.reader(io.StringIO(text))]
    assert f"'{EVIL} / New" in breakdowns
    assert f"{EVIL} / New" not in breakdowns


def test_xlsx_has_a_sheet_per_section_with_numbers_and_no_formulas(data):
    workbook = load_workbook(io.BytesIO(exports.xlsx_bytes(_with_formula(data))))
    assert workbook.sheetnames == [str(label) for label in exports.SECTIONS.values()]
    rows = list(workbook["Cooperation network"].iter_rows(values_only=True))
    assert rows[0] == ("Indicator", "Breakdown", "Value", "Previous period", "Change")
    assert ("Cooperating pairs", None, 14, 11, 3) in rows or ("Cooperating pairs", "", 14, 11, 3) in rows
    agreements = list(workbook["Agreements"].iter_rows(values_only=True))
    assert ("by kind", f"'{EVIL} / New", 1, None, None) in agreements
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
