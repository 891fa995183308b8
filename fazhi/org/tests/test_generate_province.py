from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from fazhi.activities.models import Activity
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit
from fazhi.org.province import apportion, targets
from fazhi.surveys.models import Answer, Question, Response
from fazhi.tips.models import OPEN, Case, Tip

pytestmark = pytest.mark.django_db

SCALE = 0.0005


def run(*args) -> str:
    out = StringIO()
    call_command("generate_province", "--scale", str(SCALE), *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "counts": {m.__name__: m.objects.count() for m in (School, SchoolClass, Officer, Activity, Tip, Answer)},
        "schools": list(School.objects.order_by("region_id", "name").values_list("region_id", "name", "stage")),
        "officers": sorted(Officer.objects.values_list("name", "phone")),
        "classes": sorted(SchoolClass.objects.values_list("homeroom_teacher", "public_token")),
    }


def test_apportion_is_exact():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(1234, [0.3, 2.5, 1.1, 7])) == 1234
    assert apportion(5, [0, 0]) == [3, 2]


def test_generates_a_consistent_province():
    out = run("--seed", "3")
    want = targets(SCALE)
    assert want == {"schools": 8, "classes": 50, "officers": 50, "activities": 500, "tips": 100, "answers": 1000}
    assert School.objects.count() == want["schools"]
    assert SchoolClass.objects.count() == want["classes"]
    assert Officer.objects.count() == want["officers"]
    assert Activity.objects.count() == want["activities"]
    assert Tip.objects.count() == want["tips"]
    assert Answer.objects.count() == want["answers"]
    assert "schools" in out and "Generated region 62" in out

    # Gansu's real regions; every school sits in a county (or a city without counties) of Gansu.
    assert Region.objects.filter(code__regex=r"^62\d\d$").count() == 14
    assert not School.objects.exclude(region__code__startswith="62").exists()
    assert not Unit.objects.filter(kind=Unit.Kind.COMMITTEE, supervision_hotline="").exists()

    # Classes: grades allowed by the school's stage, names filled in, tokens unique.
    for klass in SchoolClass.objects.select_related("school"):
        assert klass.grade in klass.school.allowed_grades()
        assert klass.name and len(klass.public_token) >= 20
    assert SchoolClass.objects.values("public_token").distinct().count() == want["classes"]

    # Every class has exactly one active homeroom assignment, paired, with a load slot.
    per_class = SchoolClass.objects.annotate(
        n=Count("assignments", filter=Q(assignments__role="homeroom", assignments__status="active")))
    assert set(per_class.values_list("n", flat=True)) == {1}
    active = Assignment.objects.filter(status="active")
    assert not active.filter(Q(load_slot__isnull=True) | Q(pairing__isnull=True) | Q(starts_on__isnull=True)).exists()
    for a in active.select_related("pairing", "officer", "school_class"):
        assert a.pairing.unit_id == a.officer.unit_id and a.pairing.school_id == a.school_id
        assert a.school_class.school_id == a.school_id
    assert Pairing.objects.count() >= 1

    # Activities cover classes of their own school.
    assert not Activity.classes.through.objects.exclude(
        schoolclass__school_id=F("activity__school_id")).exists()

    # Every tip has its case; closed cases have a conclusion, acknowledged ones a time.
    assert Case.objects.count() == Tip.objects.count()
    assert not Tip.objects.filter(case__isnull=True).exists()
    assert not Case.objects.exclude(status__in=OPEN).filter(conclusion="").exists()
    assert not Case.objects.exclude(status="received").filter(acknowledged_at__isnull=True).exists()

    # Survey answers refer to existing (non-text) questions of the questionnaire the class was surveyed with.
    assert not Answer.objects.exclude(question_id__in=Question.objects.values("pk")).exists()
    assert not Answer.objects.exclude(
        question__questionnaire_id=F("response__survey_class__survey__questionnaire_id")).exists()
    assert Response.objects.count() > 0

    # A second run refuses and changes nothing.
    before = snapshot()["counts"]
    with pytest.raises(CommandError, match="already has schools"):
        run("--seed", "3")
    assert snapshot()["counts"] == before


def test_same_seed_same_data_other_seed_other_data():
    class Rollback(Exception):
        pass

    def generate(seed):
        try:
            with transaction.atomic():
                run("--seed", str(seed))
                result = snapshot()
                raise Rollback
        except Rollback:
            pass
        assert not School.objects.exists()
        return result

    first, again, other = generate(5), generate(5), generate(6)
    assert first == again
    assert first["officers"] != other["officers"]


def test_unknown_region_is_an_error():
    with pytest.raises(CommandError, match="does not exist"):
        run("--region", "99")
