"""Fail if the zh-hans catalogue is incomplete or the compiled .mo is stale:
every message id has a translation, none is fuzzy, and django.mo holds exactly what django.po says."""

import gettext
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "fazhi" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems() -> list[str]:
    if not PO.exists():
        return [f"missing catalogue {PO}"]
    po = polib.pofile(str(PO))
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    mo_path = PO.with_suffix(".mo")
    if not mo_path.exists():
        return found + ["django.mo is missing: run make messages"]
    with mo_path.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            got = mo.ngettext(entry.msgid, entry.msgid_plural, 1) if not entry.msgctxt else None
            want = entry.msgstr_plural.get(0)
        elif entry.msgctxt:
            got, want = mo.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            got, want = mo.gettext(entry.msgid), entry.msgstr
        if got is not None and got != want:
            found.append(f"django.mo is stale for {entry.msgid!r}: run make messages")
            break
    return found


def missing_from_catalogue() -> list[str]:
    """Message ids in the code that the catalogue lacks: extract them with makemessages (needs GNU gettext),
    compare, and put the catalogue back as it was."""
    import shutil
    import subprocess  # noqa: S404

    if not shutil.which("xgettext"):
        return ["xgettext not found (Debian package gettext): cannot check for new message ids"]
    original = PO.read_bytes()
    root = PO.parents[4]
    try:
        subprocess.run(  # noqa: S603 — our own manage.py
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-i", ".venv/*",
             "-i", "var/*", "-i", "bench/*"], cwd=root, check=True, capture_output=True)
        extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    finally:
        PO.write_bytes(original)
    known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    return [f"not in the catalogue (run make messages): {msgid!r}" for _ctx, msgid in sorted(extracted - known,
                                                                                              key=str)]


def main() -> int:
    found = problems()
    if "--extract" in sys.argv:
        found += missing_from_catalogue()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
