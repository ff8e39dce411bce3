"""The formula guard of exports and its undoing by imports give back every text exactly."""

import itertools

import pytest

from imports.formulas import neutralise, restore

STARTS = ["", "'", "''", "=", "+", "-", "@", "\t", "\r", "a", " "]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+919812345678", "'+919812345678"),
        ("-5 degrees", "'-5 degrees"),
        ("@mention", "'@mention"),
        ("\tindented", "'\tindented"),
        ("\rcarriage", "'\rcarriage"),
        ("'=guarded already", "''=guarded already"),
        ("plain", "plain"),
        ("'quoted'", "'quoted'"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_would_run_as_a_formula_gets_an_apostrophe(text, cell):
    assert neutralise(text) == cell
    assert restore(cell) == text


def test_every_text_comes_back_as_it_was():
    for parts in itertools.product(STARTS, repeat=3):
        text = "".join(parts) + "x"
        assert restore(neutralise(text)) == text, repr(text)


def test_cells_written_by_people_lose_only_an_apostrophe_that_guards_a_formula():
    assert restore("'+91 98123 45678") == "+91 98123 45678"
    assert restore("'O'Brien") == "'O'Brien"
    assert restore("'") == "'"
