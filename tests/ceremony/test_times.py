"""A time without a zone, wherever it comes from: what the README promises.

People type the ceremony's time: the delegation's form and spreadsheet imports read a time without a zone in the
ceremony's zone (Hanoi), whatever the server's or the phone's own zone; code that saves one is refused. The server
runs in UTC here, so reading in the default zone instead of the ceremony's would show."""

import datetime as dt

import pytest
from django.db import transaction

from ceremony.fields import NaiveDatetimeError
from delegations.models import Delegation
from tests.ceremony.test_spreadsheets import as_csv, import_sheet, row_errors
from tests.delegations.test_views import edit_url, form_data, page_url


@pytest.fixture(autouse=True)
def _server_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def test_form_reads_a_typed_time_as_hanoi_time_and_shows_it_with_the_zone(client, world):
    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, arrival_at="2025-10-24T10:00"))

    assert response.status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).arrival_at == dt.datetime(2025, 10, 24, 3, 0, tzinfo=dt.UTC)
    form = client.get(edit_url(world.alpha_token)).content.decode()
    assert 'name="arrival_at" value="2025-10-24T10:00"' in form
    assert "Local time in Hanoi (Asia/Ho_Chi_Minh, UTC+07:00)." in form
    page = client.get(page_url(world.alpha_token)).content.decode()
    assert "All times are Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00)." in page
    assert "24 October 2025, 10:00" in page


def test_import_reads_a_time_without_offset_in_the_ceremonys_zone(admin_client, world):
    sheet = as_csv(
        [
            {"country": "FR", "name": "", "kind": "member_state", "status": "confirmed", "intends_to_sign": "0",
             "hotel": "", "arrival_at": "2025-10-24 18:40", "departure_at": "2025-10-27 07:15+02:00"},
        ]
    )  # fmt: skip

    preview, result = import_sheet(admin_client, Delegation, sheet)

    assert result is not None, row_errors(preview)
    france = Delegation.objects.get(pk=world.alpha.pk)
    assert france.arrival_at == dt.datetime(2025, 10, 24, 11, 40, tzinfo=dt.UTC)  # 18:40 in Hanoi
    assert france.departure_at == dt.datetime(2025, 10, 27, 5, 15, tzinfo=dt.UTC)  # its own offset kept


def test_code_saving_a_time_without_a_zone_is_refused(world):
    world.alpha.arrival_at = dt.datetime(2025, 10, 24, 10, 0)  # noqa: DTZ001 - a naive time, which must be refused
    with (
        pytest.raises(NaiveDatetimeError, match=r"Delegation\.arrival_at got the naive datetime 2025-10-24T10:00:00"),
        transaction.atomic(),
    ):
        world.alpha.save()
    assert Delegation.objects.get(pk=world.alpha.pk).arrival_at is None
