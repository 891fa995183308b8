"""Migrations run forwards on a database that already holds rows (PostgreSQL only; bench/bench_migrations.py
measures the same at province scale, with the locks they take).

The test database is migrated back — every fazhi app to the last migration that can be reached without
unapplying an initial migration (which would drop tables) — with rows in the big tables, and forwards again
with Django's MigrationExecutor. PostgreSQL's DDL is transactional: the test's own transaction takes every
change away afterwards, even if it fails half way.
"""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fazhi.activities.models import Activity, Kind
from fazhi.assignments.models import Assignment
from fazhi.surveys.models import Answer, Response
from fazhi.surveys.tests.conftest import answer, survey  # noqa: F401 (fixtures)
from fazhi.tips.models import Tip
from fazhi.tips.tests.conftest import report, tipworld  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="migrations are measured on PostgreSQL, the production database")

BIG = [Activity, Activity.classes.through, Tip, Response, Answer, Assignment]


def rollback_targets(executor) -> list[tuple[str, str]]:
    """For every fazhi app, the earliest migration after its first that it can go back to without unapplying
    anyone's initial migration."""
    disk = executor.loader.disk_migrations
    local = {c.label for c in apps.get_app_configs() if c.name.startswith("fazhi.")}
    targets = []
    for app in sorted({a for a, _ in disk if a in local}):
        for keep in sorted(n for a, n in disk if a == app)[:-1]:
            undo = [m for m, backwards in executor.migration_plan([(app, keep)]) if backwards]
            if undo and not any(m.initial or m.name.startswith("0001") for m in undo):
                targets.append((app, keep))
                break
    return targets


def indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {name for name, c in connection.introspection.get_constraints(cursor, table).items() if c["index"]}


def test_migrations_run_forwards_on_existing_rows(client, survey):  # noqa: F811
    from fazhi.org.models import SchoolClass

    klass = SchoolClass.objects.get(pk=survey.classes.first().school_class_id)
    for i in range(20):
        a = Activity.objects.create(kind=Kind.LECTURE, date=timezone.localdate() - datetime.timedelta(days=i),
                                    school=klass.school, students=30 + i, title=f"讲座{i}")
        a.classes.add(klass)
    for i in range(3):
        assert report(client, klass, description=f"有人打人 {i}").status_code == 200
    answer(survey, klass, 5, bullied=2)
    before = {m._meta.label: m._base_manager.count() for m in BIG}
    assert all(before.values()), before
    sample = list(Activity.objects.order_by("pk").values())

    connection.check_constraints()  # fires the deferred foreign-key checks: no pending trigger events for ALTER
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    targets = rollback_targets(executor)
    undo = [m for m, backwards in executor.migration_plan(targets) if backwards]
    assert len(undo) >= 3 and "activities" in {app for app, _ in targets}, targets
    executor.migrate(targets)
    assert "activity_date_id_idx" not in indexes("activities_activity")  # really went back

    executor = MigrationExecutor(connection)
    redo = [m for m, backwards in executor.migration_plan(leaves) if not backwards]
    assert {(m.app_label, m.name) for m in redo} == {(m.app_label, m.name) for m in undo}
    executor.migrate(leaves)

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(leaves) == []  # fully migrated
    assert "activity_date_id_idx" in indexes("activities_activity")
    assert "assignment_proposed_idx" in indexes("assignments_assignment")
    assert {m._meta.label: m._base_manager.count() for m in BIG} == before
    assert list(Activity.objects.order_by("pk").values()) == sample
    Activity.objects.create(kind=Kind.TALK, date=timezone.localdate(), school=klass.school)  # the schema works
