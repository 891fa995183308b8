"""The database goes away: every page answers 503 "try again" (never the 500 page), what a reporter or a
respondent wrote comes back to them, nothing is half-written, and the server recovers by itself.

The first tests simulate the outage inside Django (every query fails); the last one is the real thing: a
throw-away PostgreSQL cluster of its own, the real gunicorn server, the cluster stopped and started under it."""

import contextlib
import datetime
import glob
import html
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError, connection, connections
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from PIL import Image
from psycopg import errors as pg_errors

from fazhi.conftest import PASSWORD
from fazhi.lib.db import database_unavailable
from fazhi.lib.middleware import DatabaseUnavailableMiddleware
from fazhi.tips import receipts, services
from fazhi.tips.models import Channel, Message, Tip

ROOT = Path(__file__).resolve().parents[3]


def django_error(django_class, driver_error):
    """A database error as Django raises it: its class, the driver's error (with its SQLSTATE) as the cause."""
    error = django_class(str(driver_error))
    error.__cause__ = driver_error
    return error


@contextlib.contextmanager
def failing_queries(error):
    """Every query fails with `error`."""
    with mock.patch.object(CursorWrapper, "execute", side_effect=error), \
            mock.patch.object(CursorWrapper, "executemany", side_effect=error):
        yield


def database_down():
    """Every query fails as it does when the server has gone: django.db.OperationalError over psycopg's
    connection failure (SQLSTATE 08006)."""
    return failing_queries(django_error(OperationalError, pg_errors.ConnectionFailure(
        "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused")))


def database_bug():
    """Every query fails with an OperationalError that is a bug, not an outage: SQLite's missing table."""
    return failing_queries(OperationalError("no such table: tips_tip"))


def form_key(page) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', page).group(1)


def kept_fields(page) -> list[tuple[str, str]]:
    """The hidden fields of the 503 page's "send again" form."""
    return [(html.unescape(n), html.unescape(v))
            for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)]


def textarea(page, name) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def open_survey_for(world):
    from fazhi.surveys.models import Questionnaire
    from fazhi.surveys.services import open_survey

    today = timezone.localdate()
    survey = open_survey(by=world.committee_admin, questionnaire=Questionnaire.objects.get(builtin="bullying_secondary"),
                         title="问卷", opens_on=today, closes_on=today + datetime.timedelta(days=7),
                         classes=[world.klass], region=world.dunhuang)
    entry = survey.classes.get()
    comment = survey.questionnaire.questions.get(key="comment")
    return entry, comment


# ---- simulated outage (no PostgreSQL needed) -------------------------------------------------------------

def test_the_tip_form_comes_back_with_the_text_and_the_same_key(client, world):
    url = f"/c/{world.klass.public_token}/report/"
    key = form_key(client.get(url).content.decode())
    data = {"form_key": key, "category": "physical", "description": "车棚后面有人天天要钱-outage", "in_danger": "no"}
    with database_down():
        assert client.get(url).status_code == 503  # the form itself: the site's 503 page, not a 500
        response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    assert textarea(page, "description") == data["description"]
    assert "你的反映刚才没能保存" in page and not response.cookies
    assert receipts.unsign_form_key(form_key(page)) == receipts.unsign_form_key(key)  # a resend is the same report
    assert Tip.objects.count() == 0
    again = {**data, "form_key": form_key(page)}
    assert client.post(url, again).status_code == 200
    assert client.post(url, again).status_code == 200 and Tip.objects.count() == 1


def test_a_reporter_reply_is_kept_on_the_503_page_and_can_be_sent_again(client, world):
    result = services.submit_tip(school_class=world.klass, channel=Channel.QR, category="physical",
                                 description="有人打人", idempotency_key=receipts.new_idempotency_key())
    with database_down():
        response = client.post("/report/reply/", {"receipt": result.receipt, "body": '昨天又发生了"一次" & 两次'})
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert "服务暂时无法使用" in page and "昨天又发生了&quot;一次&quot; &amp; 两次" in page  # shown back, escaped
    assert Message.objects.count() == 0
    resent = client.post("/report/reply/", dict(kept_fields(page)))
    assert resent.status_code == 200 and Message.objects.get().body == '昨天又发生了"一次" & 两次'


def test_survey_answers_are_kept_on_the_503_page_and_count_once(client, world):
    from fazhi.surveys.models import Answer, Response

    entry, comment = open_survey_for(world)
    url = f"/s/{entry.code}/"
    data = {"form_key": form_key(client.get(url).content.decode()), f"q{comment.pk}": "操场角落有人被堵-outage"}
    with database_down():
        response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 503 and "操场角落有人被堵-outage" in page
    assert response["Referrer-Policy"] == "no-referrer" and not response.cookies
    assert dict(kept_fields(page)) == data
    assert client.post(url, dict(kept_fields(page))).status_code == 200
    assert Client().post(url, dict(kept_fields(page))).status_code == 200  # sent twice: one response
    assert Response.objects.count() == 1 and Answer.objects.get().text == "操场角落有人被堵-outage"


def test_the_public_api_answers_json_503(client, world):
    with database_down():
        response = client.post(f"/api/v1/public/classes/{world.klass.public_token}/tips",
                               json.dumps({"category": "physical", "description": "有人打人"}),
                               content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"]
    assert "服务暂时无法使用" in response.json()["error"]


def test_a_staff_page_is_the_503_page_when_the_session_cannot_be_read(world):
    client = Client(raise_request_exception=False)  # the error is raised in a middleware, not in the view
    client.force_login(world.committee_admin)
    assert client.get("/cases/").status_code == 200
    with database_down():
        response = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "503.html" in [t.name for t in response.templates]
    assert "temporarily unavailable" in page and "Send again" not in page
    assert "Something went wrong" not in page and "Traceback" not in page  # not the 500 page


def test_logging_in_while_the_database_is_down_is_a_503_not_a_500(world):
    client = Client(raise_request_exception=False)
    with database_down():
        form = client.get("/login/")
        sent = client.post("/login/", {"username": "committee", "password": PASSWORD})
    assert form.status_code in (200, 503)
    assert sent.status_code == 503 and "服务暂时无法使用" in sent.content.decode()
    assert PASSWORD not in sent.content.decode()  # a staff form is never echoed back


@pytest.mark.django_db
def test_other_errors_stay_errors():
    from django.db import connection

    connection.ensure_connection()  # an error without SQLSTATE on a live connection is ours, not an outage
    request = RequestFactory().get("/cases/")
    middleware = DatabaseUnavailableMiddleware(lambda r: HttpResponse(status=500))
    assert middleware.process_exception(request, ValueError("bug")) is None
    assert middleware(request).status_code == 500  # a 500 without a database error behind it is left alone
    outage = django_error(OperationalError, pg_errors.AdminShutdown("terminating connection"))
    assert middleware.process_exception(request, outage).status_code == 503
    assert middleware.process_exception(request, OperationalError("no such column: x")) is None


@pytest.mark.parametrize("driver_error", [
    pg_errors.ConnectionFailure("server closed the connection"),  # 08006
    pg_errors.SqlclientUnableToEstablishSqlconnection("could not connect"),  # 08001
    pg_errors.AdminShutdown("terminating connection due to administrator command"),  # 57P01
    pg_errors.CrashShutdown("terminating connection because of crash of another server process"),  # 57P02
    pg_errors.CannotConnectNow("the database system is starting up"),  # 57P03
])
def test_an_unreachable_postgresql_is_an_outage(driver_error):
    assert database_unavailable(django_error(OperationalError, driver_error))


@pytest.mark.parametrize("driver_error", [
    pg_errors.QueryCanceled("canceling statement due to statement timeout"),  # 57014
    pg_errors.DeadlockDetected("deadlock detected"),  # 40P01
    pg_errors.LockNotAvailable("canceling statement due to lock timeout"),  # 55P03
    pg_errors.DiskFull("could not extend file"),  # 53100
    pg_errors.OperatorIntervention("operator intervention"),  # 57000: class 57, but not a shutdown
])
def test_other_postgresql_errors_are_not_an_outage(driver_error):
    assert not database_unavailable(django_error(OperationalError, driver_error))


@pytest.mark.django_db
def test_sqlite_and_connection_errors_are_judged_by_what_they_mean():
    assert database_unavailable(InterfaceError("connection already closed"))
    assert database_unavailable(OperationalError("database is locked"))
    assert database_unavailable(OperationalError("unable to open database file"))
    assert not database_unavailable(OperationalError("no such table: tips_tip"))
    assert not database_unavailable(ValueError("database is locked")) and not database_unavailable(None)
    with pytest.raises((OperationalError, ProgrammingError)) as missing:  # SQLite / PostgreSQL (42P01)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM fazhi_no_such_table")
    assert not database_unavailable(missing.value)
    # no SQLSTATE (psycopg's "connection failed"): an outage when the connection is gone, not otherwise
    connection.ensure_connection()
    assert not database_unavailable(OperationalError("connection failed"))
    with mock.patch.object(connections["default"], "connection", None):
        assert database_unavailable(OperationalError("connection failed"))


def test_a_database_bug_on_a_staff_page_is_the_500_page_with_its_traceback(world, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(world.committee_admin)
    with database_bug(), caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500 and "Retry-After" not in response
    assert "503.html" not in [t.name for t in response.templates]
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and isinstance(logged[0].exc_info[1], OperationalError)


def test_a_database_bug_on_the_public_pages_is_not_called_an_outage(world, caplog):
    client = Client(raise_request_exception=False)
    url = f"/c/{world.klass.public_token}/report/"
    data = {"form_key": form_key(client.get(url).content.decode()), "category": "physical",
            "description": "有人打人-bug", "in_danger": "no"}
    timeout = django_error(OperationalError, pg_errors.QueryCanceled("canceling statement due to statement timeout"))
    with failing_queries(timeout), caplog.at_level("ERROR"):
        tip_form = client.post(url, data)
        api = client.post(f"/api/v1/public/classes/{world.klass.public_token}/tips",
                          json.dumps({"category": "physical", "description": "有人打人"}),
                          content_type="application/json")
    assert tip_form.status_code == 500 and api.status_code == 500
    assert "Retry-After" not in tip_form and "Retry-After" not in api
    assert "服务暂时无法使用" not in tip_form.content.decode()
    assert any(r.exc_info and isinstance(r.exc_info[1], OperationalError) for r in caplog.records)


def test_a_failed_save_that_is_not_an_outage_keeps_the_text_but_is_a_500(client, world, monkeypatch, caplog):
    def deadlock(**kwargs):
        raise django_error(OperationalError, pg_errors.DeadlockDetected("deadlock detected"))

    monkeypatch.setattr(services, "submit_tip", deadlock)
    url = f"/c/{world.klass.public_token}/report/"
    data = {"form_key": form_key(client.get(url).content.decode()), "category": "physical",
            "description": "死锁时写的反映", "in_danger": "no"}
    with caplog.at_level("ERROR", logger="fazhi.tips.public_views"):
        response = client.post(url, data)
    assert response.status_code == 500 and textarea(response.content.decode(), "description") == "死锁时写的反映"
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [OperationalError]  # traceback logged


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 30)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


def test_a_reporter_who_attached_photos_is_told_to_choose_them_again(client, world, settings):
    url = f"/c/{world.klass.public_token}/report/"
    data = {"form_key": form_key(client.get(url).content.decode()), "category": "physical",
            "description": "带照片的反映-outage", "in_danger": "no"}
    again = "Choose the photos again (nothing was sent)."
    with database_down():
        down = client.post(url, {**data, "photos": [jpeg()]}, HTTP_ACCEPT_LANGUAGE="en")
        without_photos = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert down.status_code == without_photos.status_code == 503
    assert again in down.content.decode() and again not in without_photos.content.decode()

    def unavailable(**kwargs):  # the database goes away while the tip is being saved
        raise django_error(OperationalError, pg_errors.AdminShutdown("terminating connection"))

    with mock.patch.object(services, "submit_tip", unavailable):
        failed = client.post(url, {**data, "photos": [jpeg()]})
    assert failed.status_code == 503 and "请重新选择照片" in failed.content.decode()

    settings.TIP_SUBMISSIONS_PER_WINDOW = 0
    limited = client.post(url, {**data, "photos": [jpeg()]}, HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429 and again in limited.content.decode()
    assert Tip.objects.count() == 0


# ---- the real outage: PostgreSQL stopped and started under the running server ------------------------------

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
SETUP = """
import datetime, json
from django.utils import timezone
from fazhi.accounts.models import Membership, Role, User
from fazhi.org.models import Region, School, SchoolClass
from fazhi.surveys.models import Questionnaire
from fazhi.surveys.services import open_survey
r = Region.objects.create(code="620982", name="敦煌市")
s = School.objects.create(region=r, name="敦煌市第二中学", stage="junior")
k = SchoolClass.objects.create(school=s, grade=7, number=3, student_count=40)
u = User.objects.create_user(username="committee", password=PASSWORD_HERE, full_name="政法委")
Membership.objects.create(user=u, role=Role.COMMITTEE_ADMIN, region=r)
today = timezone.localdate()
survey = open_survey(by=u, questionnaire=Questionnaire.objects.get(builtin="bullying_secondary"), title="问卷",
                     opens_on=today, closes_on=today + datetime.timedelta(days=7), classes=[k], region=r)
entry = survey.classes.get()
print(json.dumps({"token": k.public_token, "code": entry.code,
                  "comment": survey.questionnaire.questions.get(key="comment").pk}))
""".replace("PASSWORD_HERE", repr(PASSWORD))
STATE = """
import json
from fazhi.notices.models import Notification
from fazhi.surveys.models import Answer, Response
from fazhi.tips.models import Case, CaseEvent, Message, Tip
print(json.dumps({
    "tips": sorted(Tip.objects.values_list("description", flat=True)),
    "tips_without_case": Tip.objects.filter(case__isnull=True).count(),
    "cases": Case.objects.count(),
    "received": CaseEvent.objects.filter(kind=CaseEvent.Kind.RECEIVED).count(),
    "notifications": Notification.objects.filter(kind=Notification.Kind.NEW_TIP).count(),
    "messages": list(Message.objects.values_list("body", flat=True)),
    "responses": Response.objects.count(),
    "texts": sorted(Answer.objects.exclude(text="").values_list("text", flat=True)),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port; run as `postgres` when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.bin = Path(INITDB[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="fazhi-pg-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def run(self, tool, *args, check=True):
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def create(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                 "--no-sync")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "fazhi")

    def start(self):
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode="fast", check=True):
        return self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=check)

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/fazhi"


class Browser:
    """Plain HTTP with a cookie jar of its own (the staff browser); the public pages are used without one."""

    def __init__(self, port, cookies=True):
        self.port, self.jar = port, {} if cookies else None

    def request(self, method, path, data=None, json_body=None):
        headers = {}
        body = None
        if data is not None:
            body, headers["Content-Type"] = urlencode(data), "application/x-www-form-urlencoded"
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body), "application/json"
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        if self.jar is not None:
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.jar[name] = morsel.value
        return response.status, response, page

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None, json_body=None):
        return self.request("POST", path, data=data, json_body=json_body)


def until(deadline_seconds, attempt):
    """Call attempt() until it returns something truthy; (result, tries)."""
    deadline, tries = time.monotonic() + deadline_seconds, 0
    while True:
        tries += 1
        result = attempt()
        if result or time.monotonic() > deadline:
            return result, tries
        time.sleep(0.2)


@pytest.fixture
def cluster():
    if not INITDB:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): cannot stop and start one")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    pg = Cluster()
    try:
        pg.create()
        yield pg
    finally:
        pg.remove()


@pytest.mark.pgfailure
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="starts PostgreSQL and gunicorn processes")
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="runs in the SQLite pass of .ci/run; it makes its own PostgreSQL cluster")
def test_postgresql_stops_and_starts_under_the_running_server(cluster, tmp_path):
    env = {**os.environ, "DATABASE_URL": cluster.url, "DB_CONN_MAX_AGE": "60", "WEB_WORKERS": "2",
           "FAZHI_VAR_DIR": str(tmp_path), "MEDIA_ROOT": str(tmp_path / "media"),
           "DJANGO_SETTINGS_MODULE": "fazhi.settings", "ACCESS_LOG": str(tmp_path / "access.log")}
    env.pop("DEBUG", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    world = json.loads(subprocess.run([python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1])
    token, code, comment = world["token"], world["code"], f"q{world['comment']}"
    report, survey = f"/c/{token}/report/", f"/s/{code}/"
    port = free_port()
    out = open(tmp_path / "server.out", "w")  # noqa: SIM115 — kept open for the server's lifetime
    server = subprocess.Popen([str(Path(python).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                               "--bind", f"127.0.0.1:{port}", "fazhi.wsgi:application"],
                              cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def log_tail():
        return (tmp_path / "server.out").read_text(errors="replace")[-3000:]

    try:
        assert until(20, lambda: _accepts(port))[0], log_tail()
        public, staff = Browser(port, cookies=False), Browser(port)

        # a) the database is there: a tip, a survey answer, a logged-in staff member
        status, _, page = public.post(report, {"form_key": form_key(public.get(report)[2]), "category": "physical",
                                               "description": "第一条：有人在车棚打人", "in_danger": "no"})
        assert status == 200, log_tail()
        receipt = re.search(r'<p class="code"[^>]*>([^<]+)<', page).group(1).replace(" ", "")
        status, _, _ = public.post(survey, {"form_key": form_key(public.get(survey)[2]), comment: "第一份问卷的留言"})
        assert status == 200
        status, _, page = staff.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, _ = staff.post("/login/", {"csrfmiddlewaretoken": csrf, "username": "committee",
                                              "password": PASSWORD})
        assert status == 302 and "sessionid" in staff.jar
        assert staff.get("/cases/")[0] == 200
        tip_key, survey_key = form_key(public.get(report)[2]), form_key(public.get(survey)[2])

        # b) PostgreSQL stops (the workers' persistent connections die with it)
        cluster.stop("fast")
        tip = {"form_key": tip_key, "category": "dignity", "description": "第二条：停库时写的反映-7f3a", "in_danger": "no"}
        status, response, page = public.post(report, tip)
        assert status == 503, log_tail()
        assert textarea(page, "description") == tip["description"] and "你的反映刚才没能保存" in page
        tip_again = {**tip, "form_key": form_key(page)}

        status, response, page = public.post("/report/reply/", {"receipt": receipt, "body": "停库时的追问-91c2"})
        assert status == 503 and response.getheader("Retry-After") and "服务暂时无法使用" in page
        assert "停库时的追问-91c2" in page
        reply_again = kept_fields(page)

        status, response, page = public.post(survey, {"form_key": survey_key, comment: "停库时的问卷留言-c44d"})
        assert status == 503 and "停库时的问卷留言-c44d" in page and "服务暂时无法使用" in page
        survey_again = kept_fields(page)

        status, response, page = staff.get("/cases/")
        assert status == 503 and response.getheader("Retry-After") == "30", page[:500]
        assert "服务暂时无法使用" in page and "系统暂时出错" not in page and "Traceback" not in page

        status, response, page = public.post(f"/api/v1/public/classes/{token}/tips",
                                             json_body={"category": "physical", "description": "接口"})
        assert status == 503 and "error" in json.loads(page)
        assert Browser(port).get("/login/")[0] in (200, 503)
        assert server.poll() is None

        # c) PostgreSQL comes back: the same server recovers by itself, the kept forms go through
        started = time.monotonic()
        cluster.start()
        tip_page, tries = until(15, lambda: _page_if(public.post(report, tip_again), 200, 'class="code"'))
        assert tip_page, log_tail()
        recovered = time.monotonic() - started
        receipt2 = re.search(r'<p class="code"[^>]*>([^<]+)<', tip_page).group(1)
        status, _, page = public.post(report, tip_again)  # sent once more: the same report, the same receipt
        assert status == 200 and receipt2 in page
        assert until(15, lambda: _page_if(public.post("/report/reply/", dict(reply_again)), 200))[0]
        assert until(15, lambda: _page_if(public.post(survey, dict(survey_again)), 200))[0]
        assert until(15, lambda: _page_if(staff.get("/cases/"), 200))[0]  # the session survived

        # d) a restart between two requests costs no request: dead connections are dropped before use
        cluster.stop("fast")
        cluster.start()
        statuses = [staff.get("/cases/")[0] for _ in range(4)] + [public.get(report)[0] for _ in range(4)]
        assert statuses == [200] * 8, log_tail()
        assert server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        out.close()

    state = json.loads(subprocess.run([python, "manage.py", "shell", "-c", STATE], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1])
    # exactly the tips that got a receipt, each with its case, its "received" event and its notification
    assert state["tips"] == sorted(["第一条：有人在车棚打人", tip["description"]])
    assert state["tips_without_case"] == 0 and state["cases"] == state["received"] == state["notifications"] == 2
    assert state["messages"] == ["停库时的追问-91c2"]
    assert state["responses"] == 2 and state["texts"] == sorted(["第一份问卷的留言", "停库时的问卷留言-c44d"])
    print(f"recovered {recovered:.1f} s after the start was begun, {tries} tries")


def _accepts(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _page_if(result, status, marker=""):
    return result[2] if result[0] == status and marker in result[2] else ""
