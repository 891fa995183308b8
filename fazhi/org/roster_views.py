"""The roster page: download the template, export the roster, upload a filled-in workbook.

The work is done in `fazhi.org.roster`; these views only check the role, hand the file over and show the
result: a summary, or every problem of the file row by row (then nothing has been saved).
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import scope_for
from fazhi.org import roster as roster_file
from fazhi.org.forms import RosterUploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERRORS_SHOWN = 500


def _require_roster(user):
    scope = scope_for(user)
    if not perms.can_import_roster(scope):
        raise Http404
    return scope


@login_required
def roster(request):
    scope = _require_roster(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
            result = roster_file.import_roster(source, user=request.user)
            if result.file_errors:
                for error in result.file_errors:
                    form.add_error("file", error.message)
                result = None
        if result is None or not result.ok:
            status = 400
    errors = result.errors if result else []
    return render(request, "org/roster.html", {
        "form": form,
        "result": result,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "error_count_message": roster_file.error_count_message(result) if errors else "",
        "can_schools": perms.can_create_class(scope),
        "can_officers": perms.can_create_officer(scope),
        "sheet_classes": roster_file.SHEET_CLASSES,
        "sheet_officers": roster_file.SHEET_OFFICERS,
    }, status=status)


@login_required
@require_GET
def roster_template(request):
    _require_roster(request.user)
    return FileResponse(roster_file.spooled(roster_file.write_template), as_attachment=True,
                        filename="法治班主任花名册模板.xlsx", content_type=XLSX)


@login_required
@require_GET
def roster_export(request):
    _require_roster(request.user)
    fh = roster_file.spooled(roster_file.write_export, user=request.user)
    filename = f"法治班主任花名册-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)
