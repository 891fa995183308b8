"""The tip line (线索) and the case handling behind it, and the registers of hazards, disputes and
confiscated items.

A Tip is what was reported, as it was reported: it is never edited and never deleted. The Case built on it
carries the handling: status, deadlines, the person who owns it, the outcome. Messages are the thread with
the (anonymous) reporter; CaseEvents are the internal timeline, which the reporter never sees.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from fazhi.lib.params import is_id
from fazhi.org.models import Region, School, SchoolClass, ScopedQuerySet, _prefix_q, nearest_for_region

MAX_TEXT = 5000  # characters in a description
MAX_MESSAGE = 2000


class Category(models.TextChoices):
    # The five kinds of bullying named by 未成年人学校保护规定 (2021), then the other matters of the tip line.
    PHYSICAL = "physical", _("Bullying: physical harm")  # 侵犯身体
    DIGNITY = "dignity", _("Bullying: insulting dignity")  # 侮辱人格
    PROPERTY = "property", _("Bullying: taking or damaging belongings")  # 侵犯财产
    EXCLUSION = "exclusion", _("Bullying: malicious exclusion")  # 恶意排斥
    ONLINE = "online", _("Bullying: online, spreading private information")  # 网络欺凌
    VIOLENCE = "violence", _("Violence or fighting")
    DANGEROUS_ITEM = "dangerous_item", _("Dangerous item (knife, weapon)")
    STAFF = "staff", _("Misconduct by school staff")
    HAZARD = "hazard", _("Hazard around the school")
    DISPUTE = "dispute", _("Dispute")
    SELF_HARM = "self_harm", _("Risk of self-harm")
    OTHER = "other", _("Other")


BULLYING = (Category.PHYSICAL, Category.DIGNITY, Category.PROPERTY, Category.EXCLUSION, Category.ONLINE)


class Channel(models.TextChoices):
    QR = "qr", _("Class QR page")
    APP = "app", _("Mini-program")
    BOX = "box", _("Slip from the class box")  # 班级意见箱
    PHONE = "phone", _("Phone call")
    CHAT = "chat", _("Class chat group")
    TALK = "talk", _("Talk")
    HOME_VISIT = "home_visit", _("Home visit")
    SURVEY = "survey", _("Survey flag")
    OTHER = "other", _("Other")


ONLINE_CHANNELS = (Channel.QR, Channel.APP)


class ReporterRole(models.TextChoices):
    STUDENT = "student", _("Student")
    PARENT = "parent", _("Parent")
    TEACHER = "teacher", _("Teacher")
    OTHER = "other", _("Someone else")


class CasePolicy(models.Model):
    """Per-region deadlines for handling tips. The nearest policy up the region tree applies."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE, primary_key=True)
    acknowledge_hours = models.PositiveSmallIntegerField(
        _("hours to acknowledge a tip"), default=24, validators=[MinValueValidator(1), MaxValueValidator(168)])
    investigation_days = models.PositiveSmallIntegerField(
        _("days to finish an investigation"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)])
    escalation_minutes = models.PositiveSmallIntegerField(
        _("minutes before an unacknowledged urgent tip goes to the next contact"), default=30,
        validators=[MinValueValidator(5), MaxValueValidator(720)])

    class Meta:
        verbose_name = _("case deadlines")
        verbose_name_plural = _("case deadlines")
        constraints = [
            models.CheckConstraint(condition=Q(acknowledge_hours__gte=1, investigation_days__gte=1,
                                               escalation_minutes__gte=5), name="case_policy_positive"),
        ]

    def __str__(self):
        return str(self.region)

    @classmethod
    def for_region(cls, code: str) -> "CasePolicy":
        """The deadlines of the region or its nearest ancestor; the national defaults if none is set."""
        return nearest_for_region(cls.objects.all(), code) or cls(region_id=code)


class TipQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self
        return self.filter(Tip.scope_q(scope) | Q(entered_by=user) | Q(case__owner=user))

    def editable_by(self, user):
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self
        return self.filter(Tip.edit_q(scope) | Q(case__owner=user))


class Tip(models.Model):
    """One report, from the class QR page, the mini-program, or entered by staff from another channel."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="tips")
    school_class = models.ForeignKey(SchoolClass, verbose_name=_("class"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="tips")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("what happened"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), max_length=MAX_TEXT)
    occurred = models.CharField(_("when"), max_length=100, blank=True)
    place = models.CharField(_("where"), max_length=100, blank=True)
    people = models.CharField(_("who was involved"), max_length=200, blank=True)
    in_danger = models.BooleanField(_("someone is in danger now"), default=False)
    reporter_role = models.CharField(_("the reporter is"), max_length=20, choices=ReporterRole.choices, blank=True)
    # Only for clues entered by staff from a named source; the tip line never asks for a name.
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_contact = models.CharField(_("reporter's contact"), max_length=50, blank=True)
    # HMAC-SHA256 (server secret) of the receipt code and of the submission's idempotency key; never the codes.
    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    idempotency_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    objects = TipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["school", "created_at"], name="tip_school_created_idx"),
            models.Index(fields=["school_class", "created_at"], name="tip_class_created_idx"),
            models.Index(fields=["created_at", "category"], name="tip_created_category_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=Category.values), name="tip_category_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="tip_channel_known"),
            # The tip line is anonymous: a name can only come with a clue staff entered.
            models.CheckConstraint(condition=~Q(channel__in=list(ONLINE_CHANNELS))
                                   | (Q(reporter_name="") & Q(reporter_contact="") & Q(entered_by__isnull=True)),
                                   name="tip_online_is_anonymous"),
        ]

    def __str__(self):
        return str(_("Tip %(number)s") % {"number": self.number})

    @property
    def number(self) -> str:
        """The case number staff use: year of receipt and a serial (the primary key)."""
        return f"{timezone.localtime(self.created_at):%Y}-{self.pk:06d}" if self.pk else "—"

    @property
    def is_online(self) -> bool:
        return self.channel in ONLINE_CHANNELS

    @property
    def is_bullying_kind(self) -> bool:
        return self.category in BULLYING

    @property
    def place_label(self) -> str:
        return f"{self.school.name} {self.school_class.name}" if self.school_class_id else self.school.name

    @classmethod
    def scope_q(cls, scope) -> Q:
        """Who may read a tip. The committee and the education bureau: their region. A school's administrators:
        their school, except reports of misconduct by school staff, which go to the bureau and the officer.
        An officer: the classes they hold and the schools where they are vice principal. A liaison: the schools
        paired with their unit. (Plus, in `visible_to`, whoever entered it and whoever owns its case.)
        Inspectors and homeroom teachers do not read the tip line."""
        return cls.edit_q(scope)

    @classmethod
    def edit_q(cls, scope) -> Q:
        return (
            _prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
            | (Q(school_id__in=scope.school_ids) & ~Q(category=Category.STAFF))
            | Q(school_class_id__in=scope.officer_class_ids)
            | Q(school_id__in=scope.officer_vp_school_ids)
            | Q(school_id__in=scope.paired_school_ids)
        )


def photo_path(instance, filename):
    # A random name and no date in the path: nothing about the upload but its bytes is kept.
    import uuid

    return f"tips/{uuid.uuid4().hex}.jpg"


class TipPhoto(models.Model):
    """A photo attached to a tip, re-encoded without any metadata (no EXIF, no GPS) before it is stored."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=photo_path)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.file.name


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    DECIDED = "decided", pgettext_lazy("case status", "Decided")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    RECHECK = "recheck", _("Re-check after appeal")


# What the reporter sees instead of the internal status.
REPORTER_STATUS = {
    Status.RECEIVED: _("Received, waiting for the handler"),
    Status.ACKNOWLEDGED: _("Taken on by the handler"),
    Status.INVESTIGATING: _("Being looked into"),
    Status.DECIDED: _("Handled: a decision has been made"),
    Status.CLOSED: pgettext_lazy("case status", "Closed"),
    Status.RECHECK: _("Being re-checked"),
}

OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RECHECK)


class Conclusion(models.TextChoices):
    BULLYING = "bullying", _("Bullying (decided by the school's bullying governance committee)")
    NOT_BULLYING = "not_bullying", _("Not bullying; handled as another matter")
    DISPUTE_RESOLVED = "dispute_resolved", _("Dispute resolved by mediation")
    REFERRED = "referred", _("Referred to the police or judicial authorities")
    UNFOUNDED = "unfounded", _("Unfounded")
    FALSE_REPORT = "false_report", _("False report")


class Response(models.TextChoices):
    # Graded responses of the 2017 plan.
    EDUCATION = "education", _("Criticism and education")
    SANCTION = "sanction", _("Disciplinary sanction, noted in the student's record")
    LAW = "law", _("Handled by police, procuratorate or court")


def overdue_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """The condition of an overdue case (`prefix`: the path to the case, e.g. "case__" from a tip)."""
    now = now or timezone.now()
    return (Q(**{f"{prefix}status": Status.RECEIVED, f"{prefix}acknowledge_due__lt": now})
            | Q(**{f"{prefix}status__in": (Status.INVESTIGATING, Status.RECHECK), f"{prefix}investigation_due__lt": now}))


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(tip__in=Tip.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(tip__in=Tip.objects.editable_by(user))

    def open(self):
        return self.filter(status__in=OPEN)

    def overdue(self, now: datetime.datetime | None = None):
        """Past a deadline: not acknowledged in time, or an investigation not decided in time."""
        return self.filter(overdue_q(now))

    STATES = ("open", "overdue", "urgent", *Status.values)

    def in_state(self, state: str):
        """The list's state filter: open, overdue, urgent (not yet acknowledged) or one status; anything else
        filters nothing."""
        if state == "open":
            return self.open()
        if state == "overdue":
            return self.overdue()
        if state == "urgent":
            return self.filter(urgent=True, status=Status.RECEIVED)
        if state in Status.values:
            return self.filter(status=state)
        return self

    def search(self, q: str):
        """By case number (the last part of e.g. "T-2026-42" or just 42), or words of the report."""
        q = (q or "").strip()
        if not q:
            return self
        number = q.rpartition("-")[2]
        by_number = Q(pk=int(number)) if is_id(number) else Q(pk__in=[])
        return self.filter(by_number | Q(tip__description__icontains=q) | Q(tip__people__icontains=q))


class Case(models.Model):
    tip = models.OneToOneField(Tip, on_delete=models.PROTECT, primary_key=True, related_name="case")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    urgent = models.BooleanField(_("urgent"), default=False)
    # 首问负责制: whoever acknowledges the tip owns it until they hand it on.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="cases")
    acknowledge_due = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    investigation_started_at = models.DateTimeField(_("investigation started"), null=True, blank=True)
    investigation_due = models.DateTimeField(_("investigation due"), null=True, blank=True)
    decided_at = models.DateTimeField(pgettext_lazy("case", "decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    # The outcome.
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=Conclusion.choices, blank=True)
    committee_decided_on = models.DateField(_("decided by the bullying governance committee on"), null=True,
                                            blank=True)
    response = models.CharField(_("response"), max_length=20, choices=Response.choices, blank=True)
    parents_notified_on = models.DateField(_("parents of both sides notified on"), null=True, blank=True)
    counselling = models.BooleanField(_("counselling given"), default=False)
    police_reported_on = models.DateField(_("reported to the police on (mandatory report)"), null=True,
                                          blank=True)
    decision = models.TextField(_("decision and measures"), max_length=MAX_TEXT, blank=True)
    appealed_on = models.DateField(_("appeal received on"), null=True, blank=True)
    recheck_result = models.TextField(_("re-check result"), max_length=MAX_TEXT, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-tip__created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "acknowledge_due"], name="case_status_ackdue_idx"),
            models.Index(fields=["status", "investigation_due"], name="case_status_invdue_idx"),
            models.Index(fields=["next_escalation_at"], name="case_next_escalation_idx",
                         condition=Q(next_escalation_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_known"),
            models.CheckConstraint(condition=Q(status__in=OPEN) | ~Q(conclusion=""),
                                   name="case_decided_has_conclusion"),
            models.CheckConstraint(condition=Q(status=Status.RECEIVED) | Q(acknowledged_at__isnull=False),
                                   name="case_acknowledged_has_time"),
        ]

    def __str__(self):
        return str(self.tip)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def reporter_status(self) -> str:
        return REPORTER_STATUS[Status(self.status)]

    def overdue_reason(self, now=None) -> str:
        now = now or timezone.now()
        if self.status == Status.RECEIVED and self.acknowledge_due < now:
            return str(_("not acknowledged in time"))
        if self.status in (Status.INVESTIGATING, Status.RECHECK) and self.investigation_due \
                and self.investigation_due < now:
            return str(_("investigation past its deadline"))
        return ""


class Message(models.Model):
    """The thread between the handler and the reporter. The reporter sees every message here."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="messages")
    from_reporter = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(_("message"), max_length=MAX_MESSAGE)
    created_at = models.DateTimeField(default=timezone.now)
    # A reporter's message sent twice (a double tap, "send again" after an outage) is stored once: HMAC of the
    # reply form's key bound to the text, as for tips.
    idempotency_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(from_reporter=False) | Q(author__isnull=True),
                                   name="message_reporter_has_no_author"),
            models.UniqueConstraint(fields=["tip", "idempotency_hash"], name="message_once_per_key"),
        ]

    def __str__(self):
        return f"{self.tip} · {self.created_at:%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    """The internal timeline: every step, note and notice. Never shown to the reporter."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        NOTIFIED = "notified", _("Handlers notified")
        ESCALATED = "escalated", _("Escalated")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigation started")
        DECIDED = "decided", _("Decision recorded")
        CLOSED = "closed", pgettext_lazy("case status", "Closed")
        APPEALED = "appealed", _("Appeal received")
        RECHECKED = "rechecked", _("Re-check finished")
        NOTE = "note", _("Internal note")
        MESSAGE = "message", _("Message to the reporter")
        REPLY = "reply", _("The reporter wrote")
        ITEMS = "items", _("Items confiscated")
        HANDED_OVER = "handed_over", _("Handed over")
        URGENT = "urgent", _("Marked urgent")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    text = models.TextField(blank=True, max_length=MAX_TEXT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


# ---- registers ----------------------------------------------------------------------------------

class SchoolRegisterQuerySet(ScopedQuerySet):
    pass


class SchoolRegister(models.Model):
    """What the hazard, dispute and confiscated-item registers share: a school, who recorded it and when,
    and who may see it (the region's roles, the school, the officers there, the paired unit)."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = SchoolRegisterQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (_prefix_q("school__region__code", scope.region_prefixes)
                | Q(school_id__in=scope.school_ids) | Q(school_id__in=scope.officer_school_ids)
                | Q(school_id__in=scope.paired_school_ids))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return (_prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
                | Q(school_id__in=scope.school_ids) | Q(school_id__in=scope.officer_school_ids)
                | Q(school_id__in=scope.paired_school_ids))


class ConfiscatedItemQuerySet(SchoolRegisterQuerySet):
    def visible_to(self, user):
        """An item seized in a case is seen only by those who may see the case (a school does not learn of a
        case about its own staff through the item register)."""
        return super().visible_to(user).filter(Q(case__isnull=True) | Q(case__in=Case.objects.visible_to(user)))


class ConfiscatedItem(SchoolRegister):
    class Kind(models.TextChoices):
        CONTROLLED_KNIFE = "controlled_knife", _("Controlled knife (管制刀具)")
        OTHER_BLADE = "other_blade", _("Other blade")
        BLUNT = "blunt", _("Stick, knuckle-duster or other blunt weapon")
        REPLICA_GUN = "replica_gun", _("Replica or toy gun")
        FLAMMABLE = "flammable", _("Flammable or explosive item")
        OTHER = "other", _("Other dangerous item")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    count = models.PositiveIntegerField(_("count"), default=1, validators=[MinValueValidator(1),
                                                                            MaxValueValidator(1000)])
    seized_on = models.DateField(_("confiscated on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ConfiscatedItemQuerySet.as_manager()

    class Meta:
        ordering = ["-seized_on", "-pk"]
        verbose_name = _("confiscated item")
        verbose_name_plural = _("confiscated items")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="confiscated_count_positive"),
            models.CheckConstraint(condition=Q(kind__in=["controlled_knife", "other_blade", "blunt", "replica_gun",
                                                         "flammable", "other"]), name="confiscated_kind_known"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.count}"


class Hazard(SchoolRegister):
    """校园周边安全隐患: a hazard around a school and its rectification."""

    class Kind(models.TextChoices):
        TRAFFIC = "traffic", _("Traffic")
        SHOPS = "shops", _("Shops selling unsafe goods")
        INTERNET_CAFE = "internet_cafe", _("Internet café, bar or game room")
        BUILDING = "building", _("Building site or dangerous building")
        PUBLIC_ORDER = "public_order", _("Public order, loitering people")
        WATER = "water", _("Open water")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting rectification")
        RECTIFYING = "rectifying", _("Being rectified")
        RESOLVED = "resolved", _("Rectified")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=2000)
    location = models.CharField(_("location"), max_length=200, blank=True)
    found_on = models.DateField(_("found on"))
    responsible = models.CharField(_("responsible department"), max_length=100, blank=True)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    measures = models.TextField(_("measures taken"), max_length=2000, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            models.CheckConstraint(condition=~Q(state="resolved") | Q(resolved_on__isnull=False),
                                   name="hazard_resolved_has_date"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.school}"


class Dispute(SchoolRegister):
    """涉校矛盾纠纷: a dispute involving the school and how it was mediated."""

    class Kind(models.TextChoices):
        STUDENTS = "students", _("Between students")
        FAMILY_SCHOOL = "family_school", _("Between a family and the school")
        FAMILIES = "families", _("Between families")
        OUTSIDERS = "outsiders", _("With people outside the school")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting mediation")
        MEDIATING = "mediating", _("Being mediated")
        RESOLVED = "resolved", _("Settled")
        UNRESOLVED = "unresolved", _("Not resolved")
        REFERRED = "referred", _("Referred elsewhere")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parties = models.CharField(_("parties"), max_length=200,
                               help_text=_("Describe the sides without full names, e.g. 'two pupils of grade 8 and "
                                           "their parents'."))
    description = models.TextField(_("description"), max_length=2000)
    received_on = models.DateField(_("received on"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    mediator = models.CharField(_("mediated by"), max_length=100, blank=True)
    result = models.TextField(_("result"), max_length=2000, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(condition=~Q(state="resolved") | Q(resolved_on__isnull=False),
                                   name="dispute_resolved_has_date"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.school}"
