"""gunicorn's logger without client addresses: gunicorn writes "Invalid request from ip=…" to its error log
for malformed requests, which would keep a tip-line reporter's address. Used by gunicorn.conf.py."""

import logging
import re

from gunicorn.glogging import Logger

ADDRESS = re.compile(r"ip=.*?(?=: |$)")


class RedactAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "ip=" in record.msg:
            record.msg = ADDRESS.sub("ip=-", record.msg)
        return True


class AnonymousLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(RedactAddresses())
