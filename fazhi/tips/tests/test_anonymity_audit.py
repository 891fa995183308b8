"""The anonymity audit: reports, follow-ups and survey answers go through the real server (gunicorn with the project's
gunicorn.conf.py, an SQLite file, media on disk, application logs at INFO) from a distinctive address and user
agent; afterwards neither is found in the database file, the logs or the uploaded files."""

import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ADDRESS = "127.0.0.2"  # the test's own loopback address, distinct from the server's 127.0.0.1
USER_AGENT = "AuditPhone/7.1 (audit-ua-5f9c2e)"
FORWARDED = "203.0.113.77"  # a client-supplied X-Forwarded-For must not be kept either

SETUP = """
from fazhi.org.models import Region, School, SchoolClass
r = Region.objects.create(code="620982", name="敦煌市")
s = School.objects.create(region=r, name="敦煌市第二中学", stage="junior")
k = SchoolClass.objects.create(school=s, grade=7, number=3, student_count=40)
import datetime
from fazhi.surveys.models import Questionnaire
from fazhi.surveys.services import open_survey
survey = open_survey(by=None, questionnaire=Questionnaire.objects.get(builtin="bullying_secondary"), title="问卷",
                     opens_on=datetime.date.today(), closes_on=datetime.date.today(), classes=[k], region=r)
print(k.public_token, survey.classes.get().code)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(CLIENT_ADDRESS, 0))
    conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED,
                                                   **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data.decode("utf-8", "replace")


def multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="p.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs 127.0.0.2 as a source address")
def test_no_trace_of_the_reporters_address_or_user_agent_anywhere(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    env = {**os.environ, "FAZHI_VAR_DIR": str(var), "MEDIA_ROOT": str(var / "media"), "LOG_LEVEL": "INFO",
           "DATABASE_URL": f"sqlite:///{var / 'audit.sqlite3'}", "DJANGO_SETTINGS_MODULE": "fazhi.settings",
           "ACCESS_LOG": str(var / "access.log"), "ERROR_LOG": str(var / "error.log"), "WEB_WORKERS": "2"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    token, code = subprocess.run([python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1].split()
    port = free_port()
    out = open(var / "server.out", "w")  # noqa: SIM115 — kept open for the server's lifetime
    server = subprocess.Popen([str(Path(python).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                               "--bind", f"127.0.0.1:{port}", "fazhi.wsgi:application"],
                              cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        status, headers, page = request(port, "GET", f"/c/{token}/report/")
        assert status == 200 and "Set-Cookie" not in headers
        key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
        photo = io.BytesIO()
        exif = Image.Exif()
        exif[0x010F] = USER_AGENT
        Image.new("RGB", (64, 64), "red").save(photo, "JPEG", exif=exif)
        body, content_type = multipart({"form_key": key, "category": "physical", "description": "有人在车棚打人",
                                        "in_danger": "yes"}, photo.getvalue())
        status, headers, page = request(port, "POST", f"/c/{token}/report/", body, {"Content-Type": content_type})
        assert status == 200 and "Set-Cookie" not in headers, page[:500]
        receipt = re.search(r'<p class="code"[^>]*>([^<]+)<', page).group(1)
        status, _, page = request(port, "POST", "/report/followup/", urlencode({"receipt": receipt}),
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200
        status, _, page = request(port, "POST", "/report/reply/", urlencode({"receipt": receipt, "body": "又发生了"}),
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200
        status, _, page = request(port, "POST", f"/api/v1/public/classes/{token}/tips",
                                  json.dumps({"category": "online", "description": "群里有人发照片"}),
                                  {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
        assert status == 201
        api_receipt = json.loads(page)["receipt"]
        status, _, _ = request(port, "POST", "/api/v1/public/tips/lookup", json.dumps({"receipt": api_receipt}),
                               {"Content-Type": "application/json"})
        assert status == 200
        status, _, _ = request(port, "POST", "/api/v1/public/tips/lookup", json.dumps({"receipt": "1" * 16}),
                               {"Content-Type": "application/json"})
        assert status == 400
        # a survey answered on the page and through the API
        status, headers, page = request(port, "GET", f"/s/{code}/")
        assert status == 200 and "Set-Cookie" not in headers
        key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
        first = re.search(r'name="(q\d+)" value="2"', page).group(1)
        text = re.findall(r'<textarea name="(q\d+)"', page)[-1]
        status, headers, _ = request(port, "POST", f"/s/{code}/",
                                     urlencode({"form_key": key, first: "2", text: "希望老师多关心我们"}),
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and headers.get("Set-Cookie", "").startswith(f"fz_done_{code}=1;")
        status, _, page = request(port, "GET", f"/api/v1/public/surveys/{code}")
        question = json.loads(page)["questions"][0]["id"]
        status, _, _ = request(port, "POST", f"/api/v1/public/surveys/{code}/responses",
                               json.dumps({"answers": {str(question): 1}}),
                               {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
        assert status == 201
        request(port, "GET", "/c/unknown-token-000000/report/")  # a 404 is logged by Django
        # malformed requests, which gunicorn itself logs as errors
        for raw in (b"GET /report/followup/ HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
                    b"GET /report/followup/?" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", port), source_address=(CLIENT_ADDRESS, 0)) as sock:
                sock.sendall(raw)
                sock.recv(1024)
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()

    rows = subprocess.run([python, "manage.py", "shell", "-c",
                           "from fazhi.tips.models import Tip, TipPhoto, Message; "
                           "from fazhi.surveys.models import Response; "
                           "print(Tip.objects.count(), TipPhoto.objects.count(), Message.objects.count(), "
                           "Response.objects.count())"],
                          cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.split()
    assert rows[-4:] == ["2", "1", "1", "2"]
    access = (var / "access.log").read_text()
    assert "/report/" in access  # the server did log the requests…
    files = [p for p in var.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jpg" for p in files)
    needles = [CLIENT_ADDRESS.encode(), b"audit-ua-5f9c2e", FORWARDED.encode(), b"AuditPhone"]
    for path in files:  # …but nothing about who sent them: database (and its WAL), logs, uploads
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path.name}"
