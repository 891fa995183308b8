"""Is a database error an outage (answer 503 "try again in a moment") or a bug (500, full traceback logged)?

One decision for the whole site: `fazhi.lib.middleware.DatabaseUnavailableMiddleware` and the public views
that keep what a person wrote all ask `database_unavailable`. Only an unreachable database counts: a missing
table or column, a statement timeout, a deadlock, a full disk are errors of ours and stay 500."""

import logging
import re

from django.db import DatabaseError, InterfaceError, OperationalError, connection

# SQLSTATE class 08: connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})
# SQLite has no SQLSTATE: a database busy with another writer, or a file that cannot be opened.
SQLITE_UNAVAILABLE = re.compile(r"database is locked|unable to open database file")


def _sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of the driver's error behind Django's (psycopg 3 `sqlstate`, psycopg2 `pgcode`), or ""."""
    for error in (exc, exc.__cause__):
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(state, str) and state:
            return state
    return ""


def _connection_lost() -> bool:
    """The connection is gone (never opened, closed or broken by the driver), without sending a query: a
    query in a transaction that has just failed would fail too and prove nothing."""
    raw = connection.connection
    return raw is None or bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` means the database cannot be reached now: a closed connection (InterfaceError), a
    PostgreSQL connection exception or shutdown, a locked or unopenable SQLite file, or an error without a
    SQLSTATE after which the connection is gone (psycopg's "connection failed", "server closed the
    connection unexpectedly")."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc)
    if state:
        return state.startswith("08") or state in SHUTDOWN_STATES
    if SQLITE_UNAVAILABLE.search(str(exc)):
        return True
    return _connection_lost()


def failed_write_status(exc: DatabaseError, log: logging.Logger, what: str) -> int:
    """For a view that keeps what was written when saving it failed: 503 for an outage (logged in one line, as
    the middleware does), 500 for any other database error, logged with its traceback."""
    if database_unavailable(exc):
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("%s could not be saved: database unavailable: %s", what, first_line)
        return 503
    log.exception("%s could not be saved", what)
    return 500
