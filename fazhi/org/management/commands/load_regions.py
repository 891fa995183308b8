"""Load administrative regions (GB/T 2260 codes) from a CSV file with the columns `code,name`.

    python manage.py load_regions                 # the shipped Gansu file
    python manage.py load_regions regions.csv     # any other file

Every row is checked first (code of 2, 4 or 6 digits, a name, a parent that exists in the file or
in the database); if any row fails, each error is reported with its line number and nothing is
saved. Otherwise regions are created or updated by code, parents before children. Running the same
file again changes nothing. Rows are saved one by one so that django-simple-history records them.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fazhi.org.models import Region

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "regions_gansu.csv"
CODE_LENGTHS = (2, 4, 6)
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length


class RegionFileError(Exception):
    """The file has errors; `errors` lists them, one message per problem, with line numbers."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the region file")
        self.errors = errors


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), falling back to GB18030 for files saved by
    Chinese Excel/WPS in the legacy encoding."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise RegionFileError(["the file is neither UTF-8 nor GB18030 text"]) from None


def parse_region_rows(text: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    """Return ([(line, code, name), ...], errors) for the CSV text; checks format and duplicates only."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return [], ["line 1: the file is empty (expected the header code,name)"]
    columns = [h.strip().lower() for h in header]
    if "code" not in columns or "name" not in columns:
        return [], [f"line 1: the header must contain the columns code and name, found {','.join(header)!r}"]
    code_col, name_col = columns.index("code"), columns.index("name")

    rows: list[tuple[int, str, str]] = []
    errors: list[str] = []
    first_seen: dict[str, int] = {}
    try:
        all_rows = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        return [], [f"line {reader.line_num}: {exc}"]
    for line, cells in all_rows:
        if not any(c.strip() for c in cells):
            continue  # blank line
        code = cells[code_col].strip() if code_col < len(cells) else ""
        name = cells[name_col].strip() if name_col < len(cells) else ""
        problems = []
        if not (code.isascii() and code.isdigit() and len(code) in CODE_LENGTHS):
            problems.append(f"code {code!r} must have 2, 4 or 6 digits (GB/T 2260, e.g. 62, 6209, 620982)")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            problems.append("the name contains control characters")
        if not name:
            problems.append("the name is empty")
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(f"the name is longer than {NAME_MAX_LENGTH} characters")
        if code in first_seen:
            problems.append(f"code {code} already appears on line {first_seen[code]}")
        if problems:
            errors.extend(f"line {line}: {p}" for p in problems)
            continue
        first_seen[code] = line
        rows.append((line, code, name))
    if not rows and not errors:
        errors.append("the file has no regions")
    return rows, errors


def load_regions_text(text: str) -> LoadResult:
    """Validate and upsert the regions in `text` (CSV). Raises RegionFileError, saving nothing."""
    rows, errors = parse_region_rows(text)
    existing = {r.code: r for r in Region.objects.all()}
    file_codes = {code for _, code, _ in rows}
    for line, code, _name in rows:
        if len(code) > 2:
            parent = code[:-2]
            if parent not in file_codes and parent not in existing:
                errors.append(f"line {line}: the parent region {parent} of {code} is neither in the file nor in the database")
    if errors:
        raise RegionFileError(errors)

    result = LoadResult()
    with transaction.atomic():
        for _line, code, name in sorted(rows, key=lambda r: (len(r[1]), r[1])):
            parent_id = code[:-2] if len(code) > 2 else None
            region = existing.get(code)
            if region is None:
                region = Region(code=code, name=name, parent_id=parent_id)
                region._change_reason = "load_regions"
                region.save()
                existing[code] = region
                result.created.append(code)
            elif region.name != name or region.parent_id != parent_id:
                region.name = name
                region.parent_id = parent_id
                region._change_reason = "load_regions"
                region.save()
                result.updated.append(code)
            else:
                result.unchanged += 1
    return result


def load_regions_file(path: str | Path = DEFAULT_FILE) -> LoadResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegionFileError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    return load_regions_text(_decode(raw))


class Command(BaseCommand):
    help = "Load regions (GB/T 2260 code,name CSV) into the registry; defaults to the shipped Gansu file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="CSV file with the columns code,name")

    def handle(self, *args, file, **options):
        try:
            result = load_regions_file(file)
        except RegionFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(exc.errors)} error(s) in {file}; nothing was saved.") from None
        self.stdout.write(self.style.SUCCESS(f"Regions from {file}: {result.summary()}."))
