from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fazhi.org.management.commands.load_regions import DEFAULT_FILE, load_regions_file
from fazhi.org.models import Region

pytestmark = pytest.mark.django_db

PREFECTURES = {
    "6201": "兰州市", "6202": "嘉峪关市", "6203": "金昌市", "6204": "白银市", "6205": "天水市",
    "6206": "武威市", "6207": "张掖市", "6208": "平凉市", "6209": "酒泉市", "6210": "庆阳市",
    "6211": "定西市", "6212": "陇南市", "6229": "临夏回族自治州", "6230": "甘南藏族自治州",
}
JIUQUAN = {
    "620902": "肃州区", "620921": "金塔县", "620922": "瓜州县", "620923": "肃北蒙古族自治县",
    "620924": "阿克塞哈萨克族自治县", "620981": "玉门市", "620982": "敦煌市",
}


def write(tmp_path, text, name="regions.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def run(path):
    out, err = StringIO(), StringIO()
    call_command("load_regions", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_shipped_file_builds_the_gansu_tree():
    out = StringIO()
    call_command("load_regions", stdout=out)
    assert "created" in out.getvalue()
    dunhuang = Region.objects.get(code="620982")
    assert dunhuang.name == "敦煌市"
    assert dunhuang.parent.code == "6209" and dunhuang.parent.name == "酒泉市"
    assert dunhuang.parent.parent.code == "62" and dunhuang.parent.parent.name == "甘肃省"
    assert dunhuang.parent.parent.parent is None
    assert dunhuang.full_name == "甘肃省酒泉市敦煌市"
    prefectures = dict(Region.objects.filter(code__regex=r"^\d{4}$").values_list("code", "name"))
    assert prefectures == PREFECTURES
    assert dict(Region.objects.filter(parent_id="6209").values_list("code", "name")) == JIUQUAN
    for region in Region.objects.all():
        region.full_clean()  # codes valid, parent = code minus its last two digits


def test_shipped_file_has_unique_codes():
    lines = DEFAULT_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,name"
    codes = [line.split(",")[0] for line in lines[1:]]
    assert len(codes) == len(set(codes))


def test_rerun_changes_nothing():
    load_regions_file()
    count = Region.objects.count()
    history = Region.history.count()
    result = load_regions_file()
    assert result.created == [] and result.updated == []
    assert result.unchanged == count
    assert Region.objects.count() == count
    assert Region.history.count() == history  # no new history rows: nothing was saved
    out, _err = run(DEFAULT_FILE)
    assert "0 created, 0 updated" in out


def test_changed_name_is_updated_in_place(tmp_path):
    run(write(tmp_path, "code,name\n62,甘肃\n6209,酒泉市\n"))
    result = load_regions_file(write(tmp_path, "code,name\n62,甘肃省\n6209,酒泉市\n"))
    assert result.updated == ["62"] and result.created == [] and result.unchanged == 1
    assert Region.objects.get(code="62").name == "甘肃省"
    assert Region.history.filter(code="62").count() == 2


def test_children_may_come_before_parents(tmp_path):
    run(write(tmp_path, "code,name\n620982,敦煌市\n6209,酒泉市\n62,甘肃省\n"))
    assert Region.objects.get(code="620982").parent_id == "6209"


def test_parent_may_already_be_in_the_database(tmp_path):
    run(write(tmp_path, "code,name\n62,甘肃省\n6209,酒泉市\n"))
    run(write(tmp_path, "code,name\n620982,敦煌市\n", name="dunhuang.csv"))
    assert Region.objects.get(code="620982").parent.parent_id == "62"


def test_excel_bom_and_gbk_files_are_read(tmp_path):
    run(write(tmp_path, "\ufeffcode,name\n62,甘肃省\n", name="bom.csv"))
    run(write(tmp_path, "code,name\n62,甘肃省\n6209,酒泉市\n", name="gbk.csv", encoding="gbk"))
    assert Region.objects.get(code="6209").name == "酒泉市"


def test_bad_file_saves_nothing_and_reports_each_line(tmp_path):
    path = write(
        tmp_path,
        "code,name\n"
        "62,甘肃省\n"          # line 2: fine
        "6209,酒泉市\n"        # line 3: fine
        "62a,坏代码\n"         # line 4: not digits
        "62098,五位\n"         # line 5: five digits
        "620982,\n"            # line 6: no name
        "629901,无上级\n"      # line 7: parent 6299 is nowhere
        "6209,酒泉市重复\n",   # line 8: duplicate
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("load_regions", str(path), stdout=StringIO(), stderr=err)
    errors = err.getvalue()
    assert "line 4: code '62a' must have 2, 4 or 6 digits" in errors
    assert "line 5: code '62098'" in errors
    assert "line 6: the name is empty" in errors
    assert "line 7: the parent region 6299 of 629901" in errors
    assert "line 8: code 6209 already appears on line 3" in errors
    assert "line 2" not in errors and "line 3:" not in errors
    assert Region.objects.count() == 0
    assert Region.history.count() == 0


def test_bad_header_and_missing_file(tmp_path):
    with pytest.raises(CommandError):
        run(write(tmp_path, "代码,名称\n62,甘肃省\n"))
    with pytest.raises(CommandError):
        run(tmp_path / "missing.csv")
    assert Region.objects.count() == 0
