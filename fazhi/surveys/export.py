"""The results of a survey as an Excel workbook, with the same suppression as the page: a hidden group's row
says so and carries no answer figures. Text goes in with `write_string` only (a question text "=1+1" stays
text, never a formula)."""

import io

from django.utils.translation import gettext as _

from fazhi.lib import excel
from fazhi.surveys import results


def workbook(survey, visible_class_ids: set[int]) -> bytes:
    total, schools, classes = results.tree(survey)
    groups = []
    if visible_class_ids.issuperset(total.class_ids):
        groups.append(total)
    for s in schools:
        kids = [c for c in classes[s.key] if c.key in visible_class_ids]
        if not kids:
            continue
        if visible_class_ids.issuperset(s.class_ids):
            groups.append(s)
        groups.extend(kids)
    out = io.BytesIO()
    book = excel.workbook(out, in_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    muted = book.add_format({"font_color": "#777777"})
    overview = book.add_worksheet(_("Overview"))
    columns = [_("Level"), _("Group"), _("Students"), _("Respondents"), _("Response rate (%)"), _("Answers shown")]
    for col, title in enumerate(columns):
        overview.write_string(0, col, title, head)
    levels = {"survey": _("Whole survey"), "school": _("School"), "class": _("Class")}
    for row, g in enumerate(groups, start=1):
        overview.write_string(row, 0, str(levels[g.level]))
        overview.write_string(row, 1, g.label)
        overview.write_number(row, 2, g.students)
        overview.write_number(row, 3, g.respondents)
        if g.rate is not None:
            overview.write_number(row, 4, g.rate)
        overview.write_string(row, 5, _("no: fewer than %(n)s respondents, or hidden so that they cannot be worked "
                                        "out") % {"n": survey.min_group} if g.hidden else _("yes"),
                              muted if g.hidden else None)
    overview.set_column(0, 0, 10)
    overview.set_column(1, 1, 36)
    overview.set_column(2, 5, 14)
    sheet = book.add_worksheet(_("Answers"))
    columns = [_("Group"), _("Question"), _("Answer"), _("Count"), _("Percent"), _("Answered the question")]
    for col, title in enumerate(columns):
        sheet.write_string(0, col, title, head)
    row = 1
    for g in groups:
        if g.hidden:
            continue
        for item in results.distribution(survey, g):
            for option in item["options"]:
                sheet.write_string(row, 0, g.label)
                sheet.write_string(row, 1, item["question"].text)
                sheet.write_string(row, 2, option["label"])
                sheet.write_number(row, 3, option["count"])
                sheet.write_number(row, 4, option["percent"])
                sheet.write_number(row, 5, item["answered"])
                row += 1
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 50)
    sheet.set_column(2, 2, 24)
    book.close()
    return out.getvalue()
