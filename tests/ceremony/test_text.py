"""Text anyone types is printable: control characters are refused in every text field of every model, with a
clear error; long text keeps its line breaks and tabs."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

PLANNER_MODELS = [
    model
    for label in ("ceremony", "delegations")
    for model in apps.get_app_config(label).get_models()
    if not model._meta.proxy and not model.__name__.startswith("Historical")
]
TEXT_FIELDS = [
    (model, field)
    for model in PLANNER_MODELS
    for field in model._meta.concrete_fields
    if isinstance(field, models.CharField | models.TextField) and not field.choices and field.editable
]
LONG_TEXT = [(model, field) for model, field in TEXT_FIELDS if isinstance(field, models.TextField)]
# Keys, slugs, addresses and UIDs have a format of their own, whose error already refuses any control character.
FORMATTED = [(model, field) for model, field in TEXT_FIELDS if field.validators]


def _error_of(model, field, value):
    """The error full validation gives ``field`` holding ``value``, judged alone."""
    obj = model()
    setattr(obj, field.attname, value)
    others = {f.name for f in model._meta.get_fields()} - {field.name}
    try:
        obj.clean_fields(exclude=others)
    except ValidationError as error:
        return error.message_dict.get(field.name)
    return None


def test_the_walk_sees_the_text_fields_delegations_type():
    names = {f"{model.__name__}.{field.name}" for model, field in TEXT_FIELDS}
    assert {"Delegate.name", "Delegate.position", "Delegation.hotel", "Delegation.notes", "ScheduleItem.title"} <= names
    assert len(TEXT_FIELDS) > 40


@pytest.mark.parametrize(
    ("character", "shown"),
    [
        ("\x00", "U+0000 (null)"),
        ("\x0b", "U+000B (vertical tab)"),
        ("\x1b", "U+001B (escape)"),
        ("\x7f", "U+007F (delete)"),
        ("\x85", "U+0085 (next line)"),
    ],
)
@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS, ids=lambda x: getattr(x, "__name__", None) or x.name)
def test_every_text_field_refuses_control_characters(model, field, character, shown):
    error = _error_of(model, field, f"Jeanne{character}Martin")
    assert error is not None
    if (model, field) not in FORMATTED:
        assert any(shown in message for message in error), error


@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS, ids=lambda x: getattr(x, "__name__", None) or x.name)
def test_a_line_field_refuses_line_breaks_and_long_text_keeps_them(model, field):
    error = _error_of(model, field, "Line one\nLine two\tand a tab")
    if (model, field) in LONG_TEXT:
        assert error is None
    elif (model, field) in FORMATTED:
        assert error is not None
    else:
        assert error == ["Remove U+000A (line break), U+0009 (tab): this field takes one line of text."]


@pytest.mark.parametrize(("model", "field"), LONG_TEXT, ids=lambda x: getattr(x, "__name__", None) or x.name)
def test_long_text_takes_a_browsers_line_breaks_as_plain_ones(model, field):
    obj = model()
    setattr(obj, field.attname, "Line one\r\nLine two\rLine three")
    others = {f.name for f in model._meta.get_fields()} - {field.name}
    obj.clean_fields(exclude=others)
    assert getattr(obj, field.attname) == "Line one\nLine two\nLine three"


def test_the_error_speaks_vietnamese():
    from delegations.models import Delegate

    with translation.override("vi"):
        error = _error_of(Delegate, Delegate._meta.get_field("name"), "Jeanne\x0bMartin")
    assert error == ["Hãy xoá U+000B (tab dọc): trường này chỉ nhận một dòng chữ."]
