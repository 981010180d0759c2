"""Reads of the programme: who among the staff sees which items (the public programme has test_views)."""

import pytest
from django.contrib.auth import get_user_model

from ceremony.enums import Visibility
from ceremony.models import ScheduleItem, StaffMember
from ceremony.selectors import staff_seeing
from tests.factories import AgencyFactory, ScheduleItemFactory

pytestmark = pytest.mark.django_db


def member(agency, name, email="", active=True):
    user = get_user_model().objects.create_user(name, email=email, is_active=active)
    return StaffMember.objects.create(user=user, agency=agency)


def test_staff_seeing_reads_for_agency_the_other_way_round():
    mps, mofa, city = AgencyFactory(code="mps"), AgencyFactory(code="mofa"), AgencyFactory(code="hanoi")
    led = ScheduleItemFactory(lead_agency=mps, visibility=Visibility.INTERNAL)
    supported = ScheduleItemFactory(lead_agency=city)
    supported.supporting_agencies.add(mps, mofa)
    nobodys = ScheduleItemFactory(lead_agency=None)
    officer, press = member(mps, "officer", "officer@mps.example"), member(mofa, "press", "press@mofa.example")
    member(mps, "no-address")
    member(mofa, "gone", "gone@mofa.example", active=False)
    chosen = ScheduleItem.objects.filter(pk__in=[led.pk, supported.pk, nobodys.pk])

    seen = staff_seeing(chosen)

    assert seen == [(officer, {led.pk, supported.pk}), (press, {supported.pk})]
    for staff, pks in seen:
        assert pks == set(chosen.for_agency(staff.agency).values_list("pk", flat=True))
