from fazhi.oversight.summary import accountability_summary, findings_summary
from fazhi.oversight.tests.helpers import days, finding, inspection, record


def test_findings_summary(world):
    autumn = inspection(world, date=days(-30))
    spring = inspection(world, date=days(-200))
    elsewhere = inspection(world, region=world.suzhou, date=days(-30))
    finding(autumn, school=world.school, severity="serious", deadline=days(-1))  # overdue
    finding(autumn, school=world.school, severity="minor", deadline=days(5))
    finding(autumn, school=world.school2, severity="critical", deadline=days(-2), rectified_on=days(-3),
            rectification="done")
    finding(autumn, unit=world.court, severity="minor", deadline=days(-1))  # overdue
    finding(autumn, officer=world.officer, severity="serious", deadline=days(-1))  # overdue, counts under court
    finding(autumn, officer=world.officer2, severity="minor", deadline=days(9))
    finding(spring, school=world.school, severity="critical", deadline=days(-150))  # outside the period
    finding(elsewhere, school=world.other_school, deadline=days(-1))  # another county

    s = findings_summary(region="620982", start=days(-60), end=days(0))
    assert s["findings"] == 6
    assert s["by_severity"] == {"minor": 3, "serious": 2, "critical": 1}
    assert s["rectified"] == 1 and s["overdue"] == 3
    assert s["by_unit"] == [
        {"unit_id": world.court.pk, "unit": world.court.name, "findings": 2, "overdue": 2},
        {"unit_id": world.police.pk, "unit": world.police.name, "findings": 1, "overdue": 0},
    ]
    assert s["by_school"] == [
        {"school_id": world.school.pk, "school": world.school.name, "findings": 2, "overdue": 1},
        {"school_id": world.school2.pk, "school": world.school2.name, "findings": 1, "overdue": 0},
    ]
    assert findings_summary(region="620982", start=None, end=None)["findings"] == 7
    assert findings_summary(region="6209", start=None, end=None)["findings"] == 8
    assert findings_summary(region="620982", start=days(-10), end=None)["findings"] == 0
    empty = findings_summary(region="620902", start=days(1), end=None)
    assert empty == {"findings": 0, "by_severity": {"minor": 0, "serious": 0, "critical": 0}, "rectified": 0,
                     "overdue": 0, "by_unit": [], "by_school": []}


def test_accountability_summary(world):
    record(world, unit=world.court, measure="talk", date=days(-5))
    record(world, unit=world.court, measure="circular", date=days(-4))
    record(world, officer=world.officer, measure="accountability", date=days(-3))
    record(world, unit=world.police, measure="talk", date=days(-100))
    record(world, unit=world.other_court, measure="talk", date=days(-3))
    s = accountability_summary(region="620982", start=days(-30), end=days(0))
    assert s["records"] == 3
    assert s["by_measure"] == {"talk": 1, "circular": 1, "accountability": 1}
    assert s["units"] == [{"unit_id": world.court.pk, "unit": world.court.name, "records": 2}]
    assert s["officers"] == [{"officer_id": world.officer.pk, "officer": world.officer.name,
                              "unit": world.court.name, "records": 1}]
    assert accountability_summary(region="6209", start=None, end=None)["records"] == 5
