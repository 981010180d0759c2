"""The public list of signatures: its page, the JSON that keeps it live, its Atom feed, in both languages."""

import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.enums import DelegationKind, Rank
from delegations.signatures import UNMARKED, signature_correct, signature_defer, signature_record
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory, hanoi

NOW = hanoi(25, 12)
ATOM = "{http://www.w3.org/2005/Atom}"
CODES = ["FR", "DE", "JP", "BR", "KE", "CA", "IN", "MX", "NG", "AU", "SE", "EG", "CL", "TH", "PL", "GH"]


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(is_current=True, slug="hanoi", host_country="VN")


@pytest.fixture
def lan(db):
    return get_user_model().objects.create_user("lan", password="unused-pw-123", is_staff=True)


def state(ceremony, code, name=""):
    delegation = DelegationFactory(ceremony=ceremony, country=code, name=name, intends_to_sign=True)
    DelegateFactory(delegation=delegation, is_signatory=True, rank=Rank.HEAD_OF_STATE, name=f"Head of {code}")
    return delegation


def sign(delegation, user, minute, second=0):
    return signature_record(delegation=delegation, user=user, signed_at=hanoi(25, 10, minute, second))


def in_vietnamese(client):
    client.cookies["django_language"] = "vi"


def test_public_page_counts_the_states_that_have_signed_in_the_order_signed(client, ceremony, lan):
    france, viet_nam, chile = state(ceremony, "FR", "France"), state(ceremony, "VN", "Viet Nam"), state(ceremony, "CL")
    sign(viet_nam, lan, 30, 5)
    sign(france, lan, 33, 41)
    signature_defer(delegation=chile, user=lan)
    page = client.get(reverse("delegations:signatures"))
    assert page.status_code == 200
    assert page.context["heading"] == "2 states have signed"
    assert [(r["order"], r["name"], r["time"]) for r in page.context["states"]] == [
        (1, "Viet Nam", "Sat 25 Oct, 10:30:05"),
        (2, "France", "Sat 25 Oct, 10:33:41"),
    ]
    text = page.content.decode()
    assert "2 states have signed" in text
    assert "Times in Asia/Ho_Chi_Minh, UTC+07:00." in text
    assert "Chile" not in text
    assert 'src="/static/delegations/signatures.js"' in text
    assert 'href="/signatures.atom"' in text


def test_public_page_says_one_state_and_counts_organizations_apart(client, ceremony, lan):
    assert client.get(reverse("delegations:signatures")).context["heading"] == "0 states have signed"
    sign(state(ceremony, "FR", "France"), lan, 30)
    eu = DelegationFactory(
        ceremony=ceremony, kind=DelegationKind.REIO, country="", name="European Union", intends_to_sign=True
    )
    DelegateFactory(delegation=eu, is_signatory=True, rank=Rank.FOREIGN_MINISTER)
    sign(eu, lan, 31)
    page = client.get(reverse("delegations:signatures"))
    assert (page.context["heading"], page.context["organizations_heading"]) == (
        "1 state has signed",
        "1 organization has signed",
    )
    assert [r["name"] for r in page.context["organizations"]] == ["European Union"]


def test_public_page_in_vietnamese(client, ceremony, lan):
    sign(state(ceremony, "FR", "France"), lan, 30)
    in_vietnamese(client)
    page = client.get(reverse("delegations:signatures"))
    assert page.context["heading"] == "1 quốc gia đã ký"
    assert [r["name"] for r in page.context["states"]] == ["Pháp"]
    sign(state(ceremony, "DE", "Germany"), lan, 31)
    assert client.get(reverse("delegations:signatures")).context["heading"] == "2 quốc gia đã ký"


def test_json_and_page_answer_304_until_the_list_changes_and_after_a_mark_is_taken_back(client, ceremony, lan):
    france = state(ceremony, "FR", "France")
    mark = sign(france, lan, 30)
    url = reverse("delegations:signatures-json")
    first = client.get(url)
    assert first.status_code == 200
    assert first.json()["heading"] == "1 state has signed"
    assert first["Cache-Control"] == "public, max-age=20"
    assert "Cookie" in first["Vary"]  # the language is the reader's cookie's: shared caches keep one copy each
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) == 2  # the ceremony, and the stamp of its signatures
    signature_correct(signature=mark, user=lan, reason="Wrong row", outcome=UNMARKED)
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed.json()["heading"] == "0 states have signed"
    page = client.get(reverse("delegations:signatures"))
    assert client.get(reverse("delegations:signatures"), HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    in_vietnamese(client)
    assert client.get(reverse("delegations:signatures"), HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 200


def test_atom_feed_lists_each_signature_latest_first_in_either_language(client, ceremony, lan):
    sign(state(ceremony, "VN", "Viet Nam"), lan, 30, 5)
    sign(state(ceremony, "FR", "France"), lan, 33, 41)
    response = client.get(reverse("delegations:signatures-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - the planner's own output
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["France signed", "Viet Nam signed"]
    assert entries[0].find(f"{ATOM}summary").text == (
        "Signed at Sat 25 Oct, 10:33:41 (Asia/Ho_Chi_Minh) by Head of FR, head of state."
    )
    assert feed.find(f"{ATOM}subtitle").text == "2 states have signed"
    assert client.get(reverse("delegations:signatures-feed"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    vietnamese_feed = client.get(reverse("delegations:signatures-feed"), {"lang": "vi"}).content
    vietnamese = ET.fromstring(vietnamese_feed)  # noqa: S314 - the planner's own output
    assert [e.find(f"{ATOM}title").text for e in vietnamese.findall(f"{ATOM}entry")] == ["Pháp đã ký", "Việt Nam đã ký"]


def test_programme_links_the_public_list(client, ceremony):
    assert 'href="/signatures/"' in client.get(reverse("ceremony:programme")).content.decode()


def test_public_list_without_a_ceremony_is_404(client, db):
    for name in ("signatures", "signatures-json", "signatures-feed"):
        assert client.get(reverse(f"delegations:{name}")).status_code == 404


@pytest.mark.parametrize("name", ["signatures", "signatures-json", "signatures-feed"])
def test_public_list_queries_do_not_grow_with_the_signatures(client, ceremony, lan, name):
    def queries_with(count):
        for code in CODES[:count]:
            if not ceremony.delegations.filter(country=code).exists():
                sign(state(ceremony, code), lan, 10 + CODES.index(code))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(f"delegations:{name}")).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(12) == 3
