"""The text catalog: both languages hold the same keys and the same placeholders."""

from __future__ import annotations

import string

import pytest

from monitor import texts


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("name", texts.AREAS)
def test_every_area_has_the_same_keys_in_both_languages(name: str) -> None:
    table = texts.area(name)
    assert set(table["ja"]) == set(table["en"]), name


@pytest.mark.parametrize("name", texts.AREAS)
def test_every_text_has_the_same_placeholders_in_both_languages(name: str) -> None:
    table = texts.area(name)
    for key, ja in table["ja"].items():
        assert _placeholders(ja) == _placeholders(table["en"][key]), f"{name}.{key}"


@pytest.mark.parametrize("name", texts.AREAS)
def test_no_text_is_empty(name: str) -> None:
    for language in texts.LANGUAGES:
        for key, text in texts.area(name)[language].items():
            assert text.strip(), f"{language} {name}.{key} is empty"


def test_an_unknown_key_is_an_error_not_a_silent_blank() -> None:
    with pytest.raises(KeyError):
        texts.t("ja", "nowhere.nothing")


def test_an_unknown_language_falls_back_to_japanese() -> None:
    assert texts.language_of("fr") == "ja"
    assert texts.language_of("en") == "en"
