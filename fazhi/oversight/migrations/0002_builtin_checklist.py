"""The built-in checklist for joint inspections, written from the national rules (rules.md). Regions copy it
and edit their copy."""

from django.db import migrations

NAME = "联合检查标准清单（内置）"

ITEMS = [
    ("school", "每个班级都有法治班主任，班级公示牌已张贴（含法治班主任姓名、电话和政法委监督电话）"),
    ("school", "每班每学期至少召开2次防欺凌主题班会"),
    ("school", "学校每学期至少开展1次防欺凌专题教育，并对全体学生开展1次欺凌问题调查"),
    ("school", "学校公布防欺凌举报电话和邮箱、法治副校长和安全副校长的电话"),
    ("school", "学校已成立学生欺凌治理委员会，每起欺凌事件及处置情况单独建档（专门档案）"),
    ("school", "收到举报后24小时内受理（首问负责），调查认定在10日内完成"),
    ("school", "严重欺凌依法报告公安机关和教育行政部门，落实强制报告，不隐瞒不报"),
    ("school", "通知双方家长参与处置，并为相关学生提供心理辅导"),
    ("school", "至少配备1名法治副校长，每年对其履职情况开展考核"),
    ("officer", "法治副校长/法治班主任已完成不少于8学时的岗前培训"),
    ("officer", "法治副校长/法治班主任按计划到校到班开展法治教育，活动有记录"),
    ("officer", "法治副校长每年提交年度履职报告"),
    ("unit", "派出单位建立并动态更新聘任台账（人员库）"),
    ("unit", "人员调动、退休后及时补派，所联系学校和班级不出现空缺"),
    ("unit", "派出单位将学校考核结果用于干部考核、评优评先"),
]


def create(apps, schema_editor):
    Template = apps.get_model("oversight", "ChecklistTemplate")
    Item = apps.get_model("oversight", "ChecklistItem")
    template, created = Template.objects.get_or_create(region=None, name=NAME)
    if created:
        Item.objects.bulk_create(
            Item(template=template, order=(i + 1) * 10, area=area, text=text) for i, (area, text) in enumerate(ITEMS))


def remove(apps, schema_editor):
    Template = apps.get_model("oversight", "ChecklistTemplate")
    Item = apps.get_model("oversight", "ChecklistItem")
    Item.objects.filter(template__region=None, template__name=NAME).delete()
    Template.objects.filter(region=None, name=NAME, inspections__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
