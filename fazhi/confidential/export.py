"""The Excel export of the special-group student register (特殊群体学生登记表). Text goes in with `write_string`
only, and text that a spreadsheet would take for a formula (=, +, -, @) gets a quote prefix: it stays text
even when someone edits the cell (fazhi.lib.excel.workbook)."""

import datetime
from collections.abc import Iterable

from fazhi.confidential.models import SpecialStudent
from fazhi.lib import excel

CATEGORY_ZH = {
    "left_behind": "留守儿童", "single_parent": "单亲家庭", "disabled": "残疾", "hardship": "家庭经济困难",
    "behaviour": "行为偏差", "other": "其他",
}
COLUMNS = [("序号", 6), ("学校", 20), ("班级", 14), ("类别", 12), ("编号或姓名首字母", 14), ("帮扶或教育计划", 50),
           ("责任人", 12), ("下次复查日期", 13)]
TITLE = "特殊群体学生登记表"
HEADER_ROW = 2


def write_special_students(records: Iterable[SpecialStudent], out, *, exported_by: str,
                           today: datetime.date) -> int:
    """Write the workbook to `out` (a path or a binary file object); returns the number of records written."""
    wb = excel.workbook(out, constant_memory=True)
    wb.set_properties({"title": TITLE, "subject": "内部资料 注意保密", "author": "fazhi"})
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    f_title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True, "align": "center"})
    f_sub = wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#B71C1C"})
    f_head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#E7E6E6"})
    f_text = wb.add_format({**base, "text_wrap": True, "num_format": "@"})
    f_num = wb.add_format({**base, "align": "center", "num_format": "0"})
    f_date = wb.add_format({**base, "align": "center", "num_format": "yyyy-mm-dd"})

    ws = wb.add_worksheet("特殊群体学生")
    last = len(COLUMNS) - 1
    for col, (_heading, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(HEADER_ROW)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C内部资料 注意保密　第 &P 页 共 &N 页")
    ws.merge_range(0, 0, 0, last, TITLE, f_title)
    ws.merge_range(1, 0, 1, last, f"内部资料，注意保密，不得外传。导出人：{exported_by}　导出日期："
                                   f"{today.isoformat()}", f_sub)
    for col, (heading, _width) in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, col, heading, f_head)
    ws.freeze_panes(HEADER_ROW + 1, 0)

    def text(row: int, col: int, value) -> None:
        value = "" if value is None else str(value)
        if not value:
            ws.write_blank(row, col, None, f_text)
            return
        ws.write_string(row, col, value, f_text)

    n = 0
    for n, record in enumerate(records, start=1):
        row = HEADER_ROW + n
        ws.write_number(row, 0, n, f_num)
        text(row, 1, record.school.name)
        text(row, 2, record.school_class.name if record.school_class_id else "")
        text(row, 3, CATEGORY_ZH.get(record.category, record.category))
        text(row, 4, record.reference)
        text(row, 5, record.plan)
        text(row, 6, record.responsible)
        ws.write_datetime(row, 7, datetime.datetime.combine(record.next_review, datetime.time()), f_date)
    wb.close()
    return n
