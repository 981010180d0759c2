"""`manage.py check_schedule`: exit 1 on errors, 0 otherwise, text or JSON."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ceremony.management.commands.check_schedule import Command
from tests.factories import CeremonyFactory, RoomFactory, ScheduleItemFactory, hanoi


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(slug="hanoi", is_current=True)


def double_book(ceremony):
    room = RoomFactory(name="Bilateral Room 1")
    return [
        ScheduleItemFactory(ceremony=ceremony, room=room, title=title, starts_at=hanoi(25, 14), ends_at=hanoi(25, 15))
        for title in ["France–Japan", "Kenya–Brazil"]
    ]


def run(*args):
    out = io.StringIO()
    try:
        call_command("check_schedule", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def test_check_schedule_clean_exits_zero(ceremony):
    ScheduleItemFactory(ceremony=ceremony)

    assert run() == (0, "hanoi: 0 error(s), 0 warning(s).\n")


def test_check_schedule_warnings_only_exit_zero(ceremony):
    ScheduleItemFactory(ceremony=ceremony, title="Rehearsal", starts_at=hanoi(24, 15), ends_at=hanoi(24, 16))

    code, out = run()

    assert code == 0
    assert out.splitlines()[-1] == "hanoi: 0 error(s), 1 warning(s)."
    assert out.startswith("WARNING [outside_ceremony_days] “Rehearsal” falls outside the ceremony's days")


def test_check_schedule_error_exits_one_with_text(ceremony):
    _first, second = double_book(ceremony)

    code, out = run()

    assert code == 1
    assert out.splitlines() == [
        "ERROR [room_double_booked] Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”. "
        "— Bilateral Room 1 — Sat 25 Oct 2025, 14:00–15:00 (Asia/Ho_Chi_Minh) "
        f"— /admin/ceremony/scheduleitem/{second.pk}/change/",
        "hanoi: 1 error(s), 0 warning(s).",
    ]


def test_check_schedule_json_for_machines(ceremony):
    first, second = double_book(ceremony)

    code, out = run("--format", "json")

    assert code == 1
    assert json.loads(out) == {
        "ceremony": "hanoi",
        "time_zone": "Asia/Ho_Chi_Minh",
        "errors": 1,
        "warnings": 0,
        "conflicts": [
            {
                "rule": "room_double_booked",
                "severity": "error",
                "message": "Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”.",
                "who": "Bilateral Room 1",
                "when": "Sat 25 Oct 2025, 14:00–15:00 (Asia/Ho_Chi_Minh)",
                "starts_at": "2025-10-25T07:00:00+00:00",
                "url": f"/admin/ceremony/scheduleitem/{second.pk}/change/",
                "items": [first.pk, second.pk],
                "delegations": [],
            }
        ],
    }


def test_check_schedule_json_clean(ceremony):
    assert run("--format", "json") == (
        0,
        json.dumps(
            {"ceremony": "hanoi", "time_zone": "Asia/Ho_Chi_Minh", "errors": 0, "warnings": 0, "conflicts": []},
            indent=2,
        )
        + "\n",
    )


def test_check_schedule_picks_ceremony_by_slug(ceremony):
    other = CeremonyFactory(slug="cosp-1")
    double_book(other)

    assert run()[0] == 0
    assert run("--ceremony", "cosp-1")[0] == 1


def test_check_schedule_unknown_ceremony_exits_two(ceremony):
    with pytest.raises(CommandError) as error:
        call_command("check_schedule", "--ceremony", "nowhere")

    assert (str(error.value), error.value.returncode) == ("No ceremony 'nowhere'.", 2)


@pytest.mark.parametrize(("booked", "status"), [(False, None), (True, 1)], ids=["clean", "errors"])
def test_check_schedule_process_exit_status(ceremony, capsys, booked, status):
    if booked:
        double_book(ceremony)

    if status is None:
        Command().run_from_argv(["manage.py", "check_schedule", "--format", "json"])
    else:
        with pytest.raises(SystemExit) as exit_:
            Command().run_from_argv(["manage.py", "check_schedule", "--format", "json"])
        assert exit_.value.code == status
    captured = capsys.readouterr()
    assert json.loads(captured.out)["errors"] == (1 if booked else 0)
    assert captured.err == ("CommandError: 1 schedule error(s) in hanoi.\n" if booked else "")
