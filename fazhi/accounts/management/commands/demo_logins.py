"""`python manage.py demo_logins`: print the demo accounts created by `seed_demo`."""

import unicodedata

from django.core.management.base import BaseCommand

from fazhi.accounts.models import Membership, User
from fazhi.org.demo import DEMO_LOGINS, DEMO_PASSWORD


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_login_rows() -> list[list[str]]:
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
    memberships: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(user__in=users.values()).select_related(
        "region__parent__parent", "unit", "officer__unit", "school", "school_class__school"
    ):
        memberships.setdefault(m.user_id, []).append(m)
    rows = []
    for demo in DEMO_LOGINS:
        user = users.get(demo.username)
        if user is None:
            continue
        if demo.role is None:
            scope = "全部（后台管理）"
        else:
            scope = "；".join(m.scope_label for m in memberships.get(user.pk, []) if m.role == demo.role) or "—"
        rows.append([demo.username, DEMO_PASSWORD, demo.label, scope, user.full_name, user.phone or "—"])
    return rows


class Command(BaseCommand):
    help = "Print the demo logins (username, password, role, scope) created by seed_demo."

    def handle(self, *args, **options):
        rows = demo_login_rows()
        if not rows:
            self.stdout.write("没有演示账号：请先运行 python manage.py seed_demo")
            return
        header = ["用户名", "密码", "角色", "范围", "姓名", "手机号"]
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write(f"演示账号（初始密码均为 {DEMO_PASSWORD}；也可用手机号登录）")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip())
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
