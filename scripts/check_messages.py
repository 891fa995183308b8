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


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
