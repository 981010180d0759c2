"""Badges: who gets one and in which colour, printing (new ids, the old ones revoked), the PDF with a QR code that
reads back as the badge's id, and who may print."""

import re

import pypdfium2
import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from delegations.badge_pdf import badges_pdf
from delegations.badges import ALPHABET, CODE_LENGTH, badges_issue, category, grouped, normalise
from delegations.enums import AccreditationStatus, ClearanceStatus, Rank
from delegations.models import Badge, Delegate
from tests.adminpages import page_text, plain
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory

OK = {"accreditation_status": AccreditationStatus.ACCREDITED, "clearance_status": ClearanceStatus.CLEARED}


@pytest.fixture
def viet_nam(db):
    ceremony = CeremonyFactory(is_current=True, slug="hanoi", name="Signing of the Convention against Cybercrime")
    delegation = DelegationFactory(ceremony=ceremony, country="VN", name="Viet Nam")
    return {
        "delegation": delegation,
        "head": DelegateFactory(
            delegation=delegation, name="Bùi Thanh Sơn", rank=Rank.FOREIGN_MINISTER, is_head=True,
            is_signatory=True, position="Deputy Prime Minister, Minister for Foreign Affairs", **OK,
        ),
        "adviser": DelegateFactory(delegation=delegation, name="Nguyễn Minh Vũ", rank=Rank.ADVISER, **OK),
        "pending": DelegateFactory(
            delegation=delegation, name="Trần Văn Chờ", accreditation_status=AccreditationStatus.ACCREDITED,
        ),
        "refused": DelegateFactory(
            delegation=delegation, name="Lê Thị Từ", accreditation_status=AccreditationStatus.REFUSED,
            clearance_status=ClearanceStatus.CLEARED,
        ),
    }  # fmt: skip


def user_in(group, name=None):
    user = get_user_model().objects.create_user(
        name or f"{group.lower()}-officer", password="unused-pw-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def security(client, db):
    user = user_in("Security", "minh")
    client.force_login(user)
    return user


# --- The rules ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "head", "signs", "expected"),
    [
        (Rank.FOREIGN_MINISTER, True, True, "principal"),
        (Rank.AMBASSADOR, False, True, "principal"),
        (Rank.SENIOR_OFFICIAL, True, False, "principal"),
        (Rank.SENIOR_OFFICIAL, False, False, "delegate"),
        (Rank.MINISTER, False, False, "delegate"),
        (Rank.ADVISER, False, False, "adviser"),
        (Rank.SECURITY, False, False, "security"),
        (Rank.PRESS, False, False, "press"),
    ],
)
def test_category_of_a_delegate(rank, head, signs, expected):
    assert category(Delegate(rank=rank, is_head=head, is_signatory=signs)).key == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KQ2M-9XH4R", "7KQ2M9XH4R"),
        (" 7kq2m 9xh4r\t", "7KQ2M9XH4R"),
        ("OKQ2M-9XHIL", "0KQ2M9XH11"),  # look-alikes: O is 0, I and L are 1
        ("", ""),
    ],
)
def test_a_typed_id_is_read_as_stored(typed, expected):
    assert normalise(typed) == expected


def test_printing_gives_a_badge_only_to_the_accredited_and_cleared(viet_nam, security):
    badges = badges_issue(delegates=list(Delegate.objects.all()), user=security)

    assert sorted(b.delegate.name for b in badges) == ["Bùi Thanh Sơn", "Nguyễn Minh Vũ"]
    for badge in badges:
        assert len(badge.code) == CODE_LENGTH
        assert set(badge.code) <= set(ALPHABET)
        assert badge.issued_by == security
    assert len({b.code for b in badges}) == 2


def test_printing_again_revokes_the_old_badge_with_who_and_when(viet_nam, security):
    head = viet_nam["head"]
    (first,) = badges_issue(delegates=[head], user=security)
    (second,) = badges_issue(delegates=[head], user=security)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert first.revoked_by == security
    assert second.revoked_at is None
    assert first.code != second.code
    assert list(Badge.objects.live().filter(delegate=head)) == [second]
    assert [(h.history_type, h.history_user) for h in first.history.order_by("history_id")] == [
        ("+", security),
        ("~", security),
    ]


def test_the_database_keeps_one_live_badge_per_delegate(viet_nam):
    Badge.objects.create(delegate=viet_nam["head"], code="AAAAAAAAAA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Badge.objects.create(delegate=viet_nam["head"], code="BBBBBBBBBB")


# --- The PDF -----------------------------------------------------------------------------------------------------


def read_pdf(pdf):
    """Each page of ``pdf``: its text and the QR codes read from its picture."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        text = page.get_textpage().get_text_range()
        image = page.render(scale=4).to_pil()
        codes = [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]
        pages.append((text, sorted(codes), page.get_size()))
    return pages


MM = 72 / 25.4


@pytest.mark.parametrize(
    ("layout", "per_page", "size_mm"), [("a6", 1, (105, 148)), ("a5", 2, (210, 148)), ("a4", 4, (210, 297))]
)
def test_the_badge_pdf_carries_each_id_in_its_qr_code(viet_nam, security, layout, per_page, size_mm):
    delegates = [viet_nam["head"], viet_nam["adviser"]] + [
        DelegateFactory(delegation=viet_nam["delegation"], name=f"Member {n}", **OK) for n in range(3)
    ]
    badges = badges_issue(delegates=delegates, user=security)

    pages = read_pdf(badges_pdf(badges, ceremony_name="Hanoi signing", layout=layout))

    assert len(pages) == -(-5 // per_page)
    assert sorted(code for _text, codes, _size in pages for code in codes) == sorted(b.code for b in badges)
    assert all(round(w / MM) == size_mm[0] and round(h / MM) == size_mm[1] for _t, _c, (w, h) in pages)


def test_the_badge_shows_name_delegation_role_category_and_the_id_in_vietnamese_letters(viet_nam, security):
    (head,) = badges_issue(delegates=[viet_nam["head"]], user=security)
    (adviser,) = badges_issue(delegates=[viet_nam["adviser"]], user=security)

    (text, codes, _size), (adviser_text, _codes, _size2) = read_pdf(
        badges_pdf([head, adviser], ceremony_name="Hanoi signing", layout="a6")
    )

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert "Bùi Thanh Sơn" in lines
    assert "Viet Nam" in lines
    assert lines.count("HEAD OF DELEGATION / SIGNATORY") == 2  # in the band at the top and at the bottom
    assert grouped(head.code) in lines
    assert " ".join(lines).count("Deputy Prime Minister") == 1
    assert codes == [head.code]
    adviser_lines = [line.strip() for line in adviser_text.splitlines()]
    assert "Nguyễn Minh Vũ" in adviser_lines
    assert adviser_lines.count("ADVISER") == 2
    assert "Adviser" in adviser_lines  # no position: the rank says what they do


# --- Printing in the admin -----------------------------------------------------------------------------------------


def badges_url(delegation):
    return reverse("admin:delegations_delegation_badges", args=[delegation.pk])


def test_security_prints_a_delegations_badges_after_a_warning(client, viet_nam, security):
    delegation = viet_nam["delegation"]
    (old,) = badges_issue(delegates=[viet_nam["head"]], user=security)

    page = client.get(badges_url(delegation))
    text = " ".join(plain(page_text(page)).split())
    assert page.status_code == 200
    assert "2 badges will be printed, each with a new id." in text
    assert "1 of these people already has a badge: it stops working at the door at once." in text
    skipped = re.search(r'<table id="badges-skipped">(.*?)</table>', page_text(page), re.S)[1]
    assert "Not printed: 2 people" in plain(skipped)
    rows = [
        [plain(cell) for cell in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", skipped)
    ]
    assert [row for row in rows if row] == [
        ["Lê Thị Từ", "Viet Nam", "not accredited"],
        ["Trần Văn Chờ", "Viet Nam", "not security-cleared"],
    ]
    assert Badge.objects.count() == 1  # asking prints nothing

    response = client.post(badges_url(delegation), {"post": "yes", "layout": "a5"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="badges-hanoi.pdf"'
    old.refresh_from_db()
    assert old.revoked_by == security
    live = set(Badge.objects.live().values_list("code", flat=True))
    assert len(live) == 2
    (page_one,) = read_pdf(response.content)
    assert set(page_one[1]) == live


def test_the_delegation_page_offers_printing_to_security_only(client, viet_nam, security):
    url = reverse("admin:delegations_delegation_change", args=[viet_nam["delegation"].pk])
    assert badges_url(viet_nam["delegation"]) in page_text(client.get(url))
    client.force_login(user_in("Protocol"))
    assert badges_url(viet_nam["delegation"]) not in page_text(client.get(url))


def test_printing_a_selection_from_the_delegates_list(client, viet_nam, security):
    url = reverse("admin:delegations_delegate_changelist")
    chosen = [viet_nam["adviser"].pk, viet_nam["pending"].pk]
    action = {"action": "print_badges", "_selected_action": chosen}

    page = client.post(url, action)
    text = " ".join(plain(page_text(page)).split())
    assert "1 badge will be printed, each with a new id." in text
    assert "Not printed: 1 person" in text

    response = client.post(url, {**action, "post": "yes", "layout": "a6"})

    assert response["Content-Type"] == "application/pdf"
    assert list(Badge.objects.values_list("delegate__name", flat=True)) == ["Nguyễn Minh Vũ"]


def test_an_unknown_paper_is_refused_and_nothing_printed(client, viet_nam, security):
    response = client.post(badges_url(viet_nam["delegation"]), {"post": "yes", "layout": "letter"})

    assert response.status_code == 200
    assert "Select a valid choice. letter is not one of the available choices." in plain(page_text(response))
    assert Badge.objects.count() == 0


def test_nobody_printable_prints_nothing(client, viet_nam, security):
    Delegate.objects.update(clearance_status=ClearanceStatus.PENDING)

    page = client.get(badges_url(viet_nam["delegation"]))
    assert "Nobody here can have a badge" in plain(page_text(page))
    response = client.post(badges_url(viet_nam["delegation"]), {"post": "yes", "layout": "a6"})
    assert response.status_code == 302
    assert Badge.objects.count() == 0


@pytest.mark.parametrize("group", ["Protocol", "Logistics", "Viewer"])
def test_other_groups_may_not_print(client, viet_nam, group):
    client.force_login(user_in(group))
    assert client.get(badges_url(viet_nam["delegation"])).status_code == 403
    assert client.post(badges_url(viet_nam["delegation"]), {"post": "yes", "layout": "a6"}).status_code == 403
    action = {"action": "print_badges", "_selected_action": [viet_nam["adviser"].pk], "post": "yes", "layout": "a6"}
    response = client.post(reverse("admin:delegations_delegate_changelist"), action)
    assert response["Content-Type"] == "text/html; charset=utf-8"  # the list offers them no such action
    assert Badge.objects.count() == 0


@pytest.mark.parametrize("group", ["Protocol", "Logistics", "Viewer", "Security"])
def test_every_group_reads_the_badges(client, viet_nam, group):
    badges_issue(delegates=[viet_nam["head"]], user=None)
    client.force_login(user_in(group))
    assert client.get(reverse("admin:delegations_badge_changelist")).status_code == 200
    badge = Badge.objects.get()
    assert client.get(reverse("admin:delegations_badge_change", args=[badge.pk])).status_code == 200
    assert client.post(reverse("admin:delegations_badge_delete", args=[badge.pk]), {"post": "yes"}).status_code == 403


def test_badge_pages_take_nonsense_ids_without_error(client, security):
    assert client.get("/admin/delegations/delegation/nonsense/badges/").status_code == 404
    assert client.get("/admin/delegations/delegation/999999/badges/").status_code == 404


def test_a_pdf_is_valid_even_for_long_names(viet_nam, security):
    long = DelegateFactory(delegation=viet_nam["delegation"], name="Nguyễn " * 28, position="Adviser " * 37, **OK)
    badges = badges_issue(delegates=[long], user=security)
    ((_text, codes, _size),) = read_pdf(badges_pdf(badges, ceremony_name="Hanoi", layout="a6"))
    assert codes == [badges[0].code]
