"""The built-in anti-bullying questionnaires, written for fazhi.

They follow the structure described in `rules.md` — the last two months, a five-point frequency scale, two global
questions (been bullied, bullied others), one question per form of bullying, where it happened and by whom, and
what adults did — in fazhi's own words; no published questionnaire's wording is used. The primary version
(grade 2 and up) uses shorter sentences and leaves out the item on sexual harassment.

The question keys are what the results and the risk flags rely on: `bullied` (a class is flagged when at least
`Survey.flag_percent` % of its respondents answer "2–3 times a month" or more, option index ≥ FLAG_FROM) and
`comment` (free text, read for danger words).
"""

SCALE = ["从来没有", "只有一两次", "每个月两三次", "大约每周一次", "每周好几次"]
FLAG_FROM = 2  # "每个月两三次" and more often

DEFINITION = ("“被欺负”是指一个或几个同学故意、反复地让另一个同学难受或受到伤害，而被欺负的同学很难保护自己。"
              "同学之间开玩笑、打闹嬉戏，或者两个力气差不多的同学吵架，不算欺负。")

SECONDARY = {
    "builtin": "bullying_secondary",
    "title": "校园欺凌情况问卷（中学版）",
    "audience": "secondary",
    "introduction": ("这份问卷不用写名字，也不会记录你是谁，只有统计结果会交给学校和法治班主任，用来让校园更安全。"
                     "请回想最近两个月在学校里的情况。每道题都可以跳过。大约需要5分钟。"),
    "questions": [
        ("bullied", "scale", "最近两个月，你在学校被别的同学欺负过吗？", DEFINITION, None),
        ("bullied_others", "scale", "最近两个月，你自己或和别人一起欺负过其他同学吗？", "", None),
        ("names", "scale", "被起难听的外号、被嘲笑，或被用难听的话骂", "最近两个月，下面这些事发生在你身上的次数：", None),
        ("exclusion", "scale", "被故意冷落、孤立，或者别人商量好不跟你玩", "", None),
        ("physical", "scale", "被打、被踢、被推搡，或被关在某个地方", "", None),
        ("rumours", "scale", "有人散布关于你的谣言或坏话，让别人疏远你", "", None),
        ("belongings", "scale", "钱或东西被抢走、被拿走，或被故意弄坏", "", None),
        ("threats", "scale", "被威胁，或被强迫做自己不愿意做的事", "", None),
        ("sexual", "scale", "被别人用带有性意味的话、动作或图片骚扰", "", None),
        ("online", "scale", "在手机、网上或班级群里被辱骂、嘲笑，或者照片、隐私被传出去", "", None),
        ("where", "multiple", "这些事通常发生在哪里？（可多选）", "", [
            "教室", "走廊或楼梯", "厕所", "操场", "食堂", "宿舍", "上学放学路上", "校门口附近", "网上", "其他地方",
            "没有发生过"]),
        ("who", "multiple", "欺负你的是谁？（可多选）", "", [
            "同班同学", "同年级其他班的同学", "高年级同学", "低年级同学", "校外的人", "没有人欺负我"]),
        ("told", "multiple", "被欺负以后，你告诉过谁？（可多选）", "", [
            "班主任或其他老师", "家长", "同学或朋友", "法治班主任", "没有告诉任何人", "没有发生过"]),
        ("adults", "single", "最近两个月，有同学被欺负时，老师或其他大人出面制止的情况多吗？", "", [
            "几乎从不", "偶尔", "有时", "经常", "几乎总是", "没看到过有人被欺负"]),
        ("comment", "text", "还有什么想告诉法治班主任的吗？", "可以不写。不要写自己或别人的名字；如果有人正处于危险中，请马上告诉老师或拨打110。",
         None),
    ],
}

PRIMARY = {
    "builtin": "bullying_primary",
    "title": "校园欺凌情况问卷（小学版）",
    "audience": "primary",
    "introduction": ("这份问卷不用写名字，没有人知道是谁填的。请想一想最近两个月在学校里的事。"
                     "不想回答的题可以不答。"),
    "questions": [
        ("bullied", "scale", "最近两个月，有同学故意欺负你吗？",
         "欺负就是有人故意一次又一次地让你难受，你又很难保护自己。一起玩闹、开玩笑不算。", None),
        ("bullied_others", "scale", "最近两个月，你故意欺负过别的同学吗？", "", None),
        ("names", "scale", "有人给你起难听的外号，或者笑话你、骂你", "最近两个月，下面的事发生过几次？", None),
        ("exclusion", "scale", "大家故意不跟你玩，不理你", "", None),
        ("physical", "scale", "有人打你、踢你、推你", "", None),
        ("rumours", "scale", "有人说你的坏话，让别的同学不喜欢你", "", None),
        ("belongings", "scale", "有人抢你的钱或东西，或者弄坏你的东西", "", None),
        ("online", "scale", "有人在手机上、网上骂你或笑话你", "", None),
        ("where", "multiple", "这些事在哪里发生？（可以选几个）", "", [
            "教室", "走廊或楼梯", "厕所", "操场", "上学放学路上", "校门口", "网上", "别的地方", "没有发生过"]),
        ("who", "multiple", "是谁欺负你？（可以选几个）", "", [
            "同班同学", "别的班的同学", "比我大的同学", "校外的人", "没有人欺负我"]),
        ("told", "multiple", "你告诉过谁？（可以选几个）", "", [
            "老师", "爸爸妈妈或家里人", "好朋友", "法治班主任", "没有告诉别人", "没有发生过"]),
        ("adults", "single", "有同学被欺负的时候，老师会来管吗？", "", [
            "从来不管", "很少管", "有时管", "经常管", "每次都管", "没看到过有人被欺负"]),
        ("comment", "text", "你还想对法治班主任说什么吗？", "可以不写。如果有人现在很危险，请马上告诉老师或打110。", None),
    ],
}

BUILTINS = (PRIMARY, SECONDARY)

# Danger words in a free-text answer: the answer becomes a clue for the class's officer at once.
SELF_HARM_WORDS = ("自杀", "不想活", "想死", "轻生", "跳楼", "割腕", "自残", "活着没意思")
DANGER_WORDS = SELF_HARM_WORDS + ("打死", "杀了", "杀人", "带刀", "拿刀", "威胁我", "勒索", "敲诈", "性侵", "猥亵",
                                  "摸我", "被打", "报复", "不敢上学")


def install(Questionnaire, Question) -> int:
    """Create the built-in questionnaires that are missing (idempotent). Returns how many were created."""
    created = 0
    for spec in BUILTINS:
        if Questionnaire.objects.filter(builtin=spec["builtin"]).exists():
            continue
        q = Questionnaire.objects.create(builtin=spec["builtin"], title=spec["title"], audience=spec["audience"],
                                         introduction=spec["introduction"])
        Question.objects.bulk_create([
            Question(questionnaire=q, position=i, key=key, kind=kind, text=text, help=help_text,
                     options=SCALE if kind == "scale" else (options or []))
            for i, (key, kind, text, help_text, options) in enumerate(spec["questions"], start=1)])
        created += 1
    return created
