"""gunicorn settings for `make run` and production (`gunicorn -c gunicorn.conf.py fazhi.wsgi:application`).

The access log never holds the client's address or user agent: the tip line and the surveys promise their
users that neither is kept anywhere (tested by fazhi/tips/tests/test_anonymity_audit.py)."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
timeout = 120
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = os.environ.get("ERROR_LOG", "-")
# time, method, path without the query string, status, duration — nothing about who asked.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'
# gunicorn would otherwise trust X-Forwarded-For from 127.0.0.1; fazhi never reads the client address except
# for the in-memory, salted rate-limit counters.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's own error log names the client's address on malformed requests: redacted.
logger_class = "fazhi.lib.gunicorn_logging.AnonymousLogger"
