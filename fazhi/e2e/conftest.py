"""Browser tests: Playwright (Python) driving Debian's Chromium against the real server.

The server is gunicorn with the project's gunicorn.conf.py (as in production and `make run`), started once for
the session on a free port, over a database of its own loaded with the demo city (`seed_demo`): an SQLite file
in a temporary folder, or, when the suite runs on PostgreSQL, a throw-away database `<name>_e2e` on the same
server (created and dropped here). The test process never touches that database through Django: journeys go
through the pages, and the few facts a journey starts from (a class's QR URL, an officer to transfer) are read
once with `manage.py shell`.

Each journey records a screenshot per step in memory; when a test fails they are written to
var/e2e-screenshots/<test>/<nn-step>.png, with one of every open page at the moment of failure, and the folder
is named in the failure report.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = ROOT / "var" / "e2e-screenshots"

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

# What the journeys start from, read from the seeded database once.
FACTS = """
import json
from django.db.models import Count
from fazhi.accounts.models import User
from fazhi.assignments.models import Assignment
from fazhi.org.models import Officer, School
officer = User.objects.get(username="officer").memberships.get().officer
held = Assignment.objects.homeroom().holding().filter(officer=officer).select_related("school_class").get()
liaison_unit = User.objects.get(username="liaison").memberships.get().unit
# An officer of the liaison's unit without a login, holding one class and nothing else, to be transferred.
movable = (Assignment.objects.homeroom().holding()
           .filter(officer__unit=liaison_unit, officer__membership=None)
           .exclude(officer=officer).exclude(officer__assignments__role="vice_principal")
           .select_related("officer", "school_class__school").order_by("pk").first())
# The demo city's smallest school with more than one class, for a quick noticeboard print.
school = (School.objects.filter(region_id="620982").annotate(n=Count("classes")).filter(n__gte=2)
          .order_by("n", "pk").first())
from django.utils import timezone
from fazhi.surveys.models import SurveyClass
today = timezone.localdate()
open_survey = (SurveyClass.objects.filter(survey__opens_on__lte=today, survey__closes_on__gte=today,
                                          survey__closed_early=False).order_by("pk").first())
print(json.dumps({
    "survey_code": open_survey.code if open_survey else None,
    "officer_class_url": held.school_class.public_url(),
    "officer_class": held.school_class.name,
    "officer_school": held.school_class.school.name,
    "transfer_officer_id": movable.officer_id,
    "transfer_officer": movable.officer.name,
    "transfer_class_id": movable.school_class_id,
    "transfer_class_url": movable.school_class.public_url(),
    "transfer_unit_id": liaison_unit.pk,
    "transfer_class": movable.school_class.name,
    "transfer_school": movable.school_class.school.name,
    "school_id": school.pk,
    "school": school.name,
    "school_classes": school.n,
}, ensure_ascii=False))
"""


def pytest_collection_modifyitems(config, items):
    missing = not os.path.exists(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright is not installed"
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            if not item.get_closest_marker("browser"):
                raise pytest.UsageError(f"{item.nodeid}: every browser test carries @pytest.mark.browser")
            if missing:
                reason = missing if isinstance(missing, str) else f"{CHROMIUM} is missing (apt-get install chromium)"
                item.add_marker(pytest.mark.skip(reason=f"browser test skipped: {reason}"))


# ---- the server -------------------------------------------------------------------------------------------

@dataclass
class Server:
    url: str
    env: dict
    facts: dict = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,  # noqa: S603 — ours
                              check=True, capture_output=True, text=True, timeout=300)
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(var: Path):
    """A fresh database of the same kind as the suite's: (DATABASE_URL, drop function)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{var / 'e2e.sqlite3'}", lambda: None
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip(f"browser tests run on SQLite or PostgreSQL, not {db['ENGINE']}")
    import psycopg
    from psycopg import sql

    name = f"{db['NAME']}_e2e"[:63]
    params = {"dbname": "postgres", "host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}

    def admin(statement):
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin(drop)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    url = f"postgres://{auth}{'@' if auth else ''}{params['host']}:{params['port']}/{name}"
    return url, lambda: admin(drop)


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=5) as response:  # noqa: S310 — our own server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    var = tmp_path_factory.mktemp("e2e-var")
    database_url, drop = _database(var)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "FAZHI_VAR_DIR": str(var),
           "MEDIA_ROOT": str(var / "media"), "PUBLIC_BASE_URL": url, "DEBUG": "false", "WEB_WORKERS": "2",
           "DJANGO_SETTINGS_MODULE": "fazhi.settings", "ACCESS_LOG": str(var / "access.log"),
           "ERROR_LOG": str(var / "error.log"), "LOG_LEVEL": "WARNING"}
    server = Server(url=url, env=env)
    process = None
    try:
        server.manage("migrate", "--noinput", "-v", "0")
        server.manage("seed_demo")
        server.facts = json.loads(server.manage("shell", "-c", FACTS).strip().splitlines()[-1])
        log = var / "server.out"
        with open(log, "w") as out:
            process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"),  # noqa: S603 — ours
                                        "-c", "gunicorn.conf.py",
                                        "--bind", f"127.0.0.1:{port}", "fazhi.wsgi:application"],
                                       cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _wait_until_up(url, process, log)
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        drop()


# ---- the browser ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    """Chromium, one per test module. Scoped to the module, not the session: while the sync Playwright is
    running, its asyncio loop stays marked as running in the main thread, so any ORM call in this process
    raises SynchronousOnlyOperation; stopping it at the end of each browser module keeps the tests that follow
    (in whatever order pytest, pytest-django or pytest-randomly puts them) free of it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


class Recorder:
    """Screenshots of a journey's steps, kept in memory until the test fails."""

    def __init__(self, name: str):
        self.name = _slug(name)
        self.shots: list[tuple[str, bytes]] = []
        self.pages = []

    def snap(self, page, step: str) -> None:
        self.shots.append((step, page.screenshot(full_page=True)))

    def save(self) -> Path:
        folder = SCREENSHOTS / self.name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for n, (step, png) in enumerate(self.shots, 1):
            (folder / f"{n:02d}-{_slug(step)}.png").write_bytes(png)
        for n, page in enumerate(self.pages, 1):
            try:
                if not page.is_closed():
                    page.screenshot(path=str(folder / f"99-at-failure-page{n}.png"), full_page=True)
            except Exception:  # noqa: BLE001, S112 — a page that cannot be captured any more is skipped
                continue
        return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    recorder = item.stash.get(RECORDER, None)
    if recorder is not None and report.failed and report.when in ("setup", "call"):
        folder = recorder.save()
        report.sections.append(("browser screenshots", f"screenshots of each step saved in {folder}"))
    elif recorder is not None and report.passed and report.when == "call":
        shutil.rmtree(SCREENSHOTS / recorder.name, ignore_errors=True)  # a folder left by an earlier failure
    return report


RECORDER = pytest.StashKey[Recorder]()


@pytest.fixture
def shots(request) -> Recorder:
    recorder = Recorder(request.node.name)
    request.node.stash[RECORDER] = recorder
    return recorder


@pytest.fixture
def new_page(browser, shots):
    """new_page(phone=False) → a page in a fresh context (own cookies): a phone or a desktop."""
    contexts = []

    def make(*, phone: bool = False, **options):
        context = browser.new_context(**(PHONE if phone else DESKTOP), **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        shots.pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()
