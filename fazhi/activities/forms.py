"""The recording form: one column, sensible defaults, photos straight from the phone's camera.

What a user may choose depends on who they are (`Recorder`): an officer records for their own classes
(pre-selected; the school follows from them, the officer is themselves); a liaison for an officer of their
unit at a school paired with it; a school administrator, homeroom teacher or education bureau for a school,
an officer optional; the committee for any school of its region.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fazhi.accounts import permissions as perms
from fazhi.accounts.models import Role
from fazhi.accounts.scope import Scope, scope_for
from fazhi.activities import evidence as ev
from fazhi.activities.models import Activity, Evidence, Kind, Topic
from fazhi.activities.services import check_classes, default_students
from fazhi.assignments.models import Assignment
from fazhi.lib.forms import DateInput
from fazhi.lib.params import is_id
from fazhi.org.models import Officer, School, SchoolClass, _prefix_q, current_school_year

# Fields tucked under "More details" on the phone form.
DETAIL_FIELDS = ("title", "duration_minutes", "mode", "teachers", "parents", "notes", "files")
EARLIEST = "2000-01-01"


@dataclass
class Recorder:
    """What one user may record: the schools, the classes they may tick, the officers they may name."""

    scope: Scope
    schools: list[School]
    classes: QuerySet
    officers: QuerySet
    own_officer: Officer | None = None
    own_class_ids: frozenset[int] = field(default_factory=frozenset)
    officer_required: bool = False
    default_kind: str = ""

    @property
    def can_record(self) -> bool:
        return bool(self.schools)

    def school(self, value) -> School | None:
        """The school with this id, if the user may record for it."""
        value = str(value or "")
        return next((s for s in self.schools if str(s.pk) == value), None)

    def default_school(self) -> School | None:
        if len(self.schools) == 1:
            return self.schools[0]
        if self.own_class_ids:
            first = self.classes.filter(pk__in=self.own_class_ids).order_by("school__name", "grade", "number").first()
            if first:
                return self.school(first.school_id)
        return None


def recorder_for(user, *, instance: Activity | None = None) -> Recorder:
    scope = scope_for(user)
    year = current_school_year()
    if scope.superuser:
        school_q, class_q, officer_q = Q(), Q(school_year=year), Q()
    else:
        regional = scope.committee_prefixes + scope.education_prefixes
        school_q = (_prefix_q("region__code", regional) | Q(pk__in=scope.school_ids)
                    | Q(pk__in=scope.class_school_ids) | Q(pk__in=scope.officer_school_ids))
        class_q = ((_prefix_q("school__region__code", regional) | Q(school_id__in=scope.school_ids))
                   & Q(school_year=year)) | Q(pk__in=scope.class_ids) | Q(pk__in=scope.officer_class_ids)
        officer_q = (_prefix_q("unit__region__code", regional) | Q(pk__in=scope.assigned_officer_ids)
                     | Q(pk__in=scope.officer_ids))
        if scope.unit_ids:
            # A liaison: the schools paired with their unit, and wherever its officers hold a class or post.
            held = Assignment.objects.filter(officer__unit_id__in=scope.unit_ids, status__in=Assignment.HOLDING)
            liaison_schools = Q(pk__in=scope.paired_school_ids) | Q(pk__in=held.values("school_id"))
            school_q |= liaison_schools
            class_q |= Q(school__in=School.objects.filter(liaison_schools), school_year=year)
            officer_q |= Q(unit_id__in=scope.unit_ids, status=Officer.Status.ACTIVE)
    if instance is not None and instance.pk:
        # Whatever the record already holds stays choosable, even if the user's reach has changed since.
        school_q |= Q(pk=instance.school_id)
        class_q |= Q(pk__in=list(instance.classes.values_list("pk", flat=True)))
        if instance.officer_id:
            officer_q |= Q(pk=instance.officer_id)
    own_officer = Officer.objects.filter(pk__in=scope.officer_ids).first() if scope.officer_ids else None
    return Recorder(
        scope=scope,
        schools=list(School.objects.filter(school_q).order_by("name")) if perms.can_record_activities(scope) else [],
        classes=SchoolClass.objects.filter(class_q).order_by("grade", "number"),
        officers=Officer.objects.filter(officer_q).select_related("unit").order_by("unit__name", "name"),
        own_officer=own_officer,
        own_class_ids=frozenset(scope.officer_class_ids) | frozenset(scope.class_ids),
        officer_required=perms.must_name_officer(scope),
        default_kind=Kind.CLASS_MEETING if scope.has_role(Role.OFFICER, Role.TEACHER) else "",
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by the form (with its name in the message)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [f for f in items if f and getattr(f, "name", None)]


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.unit.name}"


def _count(label, maximum, help_text=""):
    return forms.IntegerField(label=label, min_value=0, max_value=maximum, required=False, help_text=help_text,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": maximum}))


class ActivityForm(forms.ModelForm):
    topics = forms.MultipleChoiceField(label=_("topics"), choices=Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    students = _count(_("students"), 20000, _("Leave empty to count every student of the ticked classes."))
    teachers = _count(_("teachers"), 5000)
    parents = _count(_("parents"), 20000)
    handbooks = _count(_("handbooks handed out"), 20000)
    pledges = _count(_("pledges signed"), 20000, _("拒绝校园欺凌暴力承诺书"))
    officer = OfficerChoiceField(label=_("officer"), queryset=Officer.objects.none(), required=False)
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("JPEG, PNG or WebP. Location and camera data are removed."))
    files = MultipleFileField(
        label=_("Files"),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,application/pdf,application/vnd.openxmlformats-"
                                                  "officedocument.wordprocessingml.document,application/vnd."
                                                  "openxmlformats-officedocument.spreadsheetml.sheet"}),
        help_text=_("PDF, Word (.docx) or Excel (.xlsx), up to 10 MB each: a sign-in sheet, a lesson plan."))
    remove_evidence = forms.ModelMultipleChoiceField(label=_("Remove"), queryset=Evidence.objects.none(),
                                                     required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Activity
        fields = ["kind", "title", "date", "duration_minutes", "mode", "school", "officer", "classes",
                  "whole_school", "topics", "students", "teachers", "parents", "handbooks", "pledges", "notes"]
        widgets = {
            "date": DateInput(attrs={"min": EARLIEST}),
            "duration_minutes": forms.NumberInput(attrs={"inputmode": "numeric", "step": 5, "min": 5, "max": 600}),
            "mode": forms.RadioSelect,
            "classes": forms.CheckboxSelectMultiple,
            "whole_school": forms.CheckboxInput(attrs={"role": "switch"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "title": forms.TextInput(attrs={"placeholder": _("e.g. 拒绝校园欺凌主题班会")}),
        }

    def __init__(self, *args, recorder: Recorder, school=None, officer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.uploads: list[ev.Prepared] = []
        editing = bool(self.instance.pk)
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["school"].queryset = School.objects.filter(pk__in=[s.pk for s in recorder.schools])
        self.fields["classes"].queryset = recorder.classes
        self.fields["classes"].required = False
        self.fields["officer"].queryset = recorder.officers
        self.fields["officer"].empty_label = gettext("— none —")
        self.fields["kind"].choices = [("", gettext("Choose…"))] + list(Kind.choices)
        self.fields["school"].empty_label = gettext("Choose…")
        if editing:
            self.fields["remove_evidence"].queryset = self.instance.evidence.all()

        # The officer: an officer records as themselves; a liaison names one of their unit's officers.
        self.officer_fixed = None
        if recorder.officer_required:
            self.fields["officer"].required = True
            self.fields["officer"].empty_label = gettext("Choose…")
            officers = list(recorder.officers[:2])
            if len(officers) == 1 and (not editing or self.instance.officer_id == officers[0].pk):
                self.officer_fixed = officers[0]
                self.fields["officer"].disabled = True
                self.initial["officer"] = officers[0].pk  # a disabled field takes its value from here

        # The school: fixed when the user has only one.
        self.school_fixed = recorder.schools[0] if len(recorder.schools) == 1 else None
        if self.school_fixed and (not editing or self.instance.school_id == self.school_fixed.pk):
            self.fields["school"].disabled = True
            self.initial["school"] = self.school_fixed.pk
        else:
            self.school_fixed = None
            self.fields["school"].widget.attrs.update({
                "hx-get": reverse("activities:class_choices"), "hx-target": "#class-choices",
                "hx-trigger": "change", "hx-swap": "innerHTML"})

        if not editing and not self.is_bound:
            chosen_officer = None
            if officer and is_id(str(officer)):
                chosen_officer = recorder.officers.filter(pk=int(officer)).first()
            chosen_officer = chosen_officer or recorder.own_officer
            default_school = recorder.school(school) or recorder.default_school()
            if chosen_officer is not None and default_school is None:
                # A liaison recording for one of their officers: the officer's school and classes.
                held = (Assignment.objects.filter(officer=chosen_officer, status__in=Assignment.HOLDING)
                        .order_by("school__name").values_list("school_id", flat=True).first())
                default_school = recorder.school(held)
            own = set(recorder.own_class_ids)
            if chosen_officer is not None and chosen_officer != recorder.own_officer:
                own = set(Assignment.objects.filter(officer=chosen_officer, status__in=Assignment.HOLDING)
                          .exclude(school_class=None).values_list("school_class_id", flat=True))
            ticked = [c.pk for c in recorder.classes.filter(pk__in=own)
                      if default_school is not None and c.school_id == default_school.pk]
            self.initial.update({
                "date": today, "kind": recorder.default_kind, "classes": ticked,
                "teachers": 0, "parents": 0, "handbooks": 0, "pledges": 0,
            })
            if not self.officer_fixed:
                self.initial["officer"] = chosen_officer.pk if chosen_officer else None
            if not self.school_fixed:
                self.initial["school"] = default_school.pk if default_school else None
        if self.students_hint:
            self.fields["students"].widget.attrs["placeholder"] = str(self.students_hint)

    # ---- what the template shows ------------------------------------------------------------------

    @property
    def selected_school(self) -> School | None:
        if self.school_fixed:
            return self.school_fixed
        if self.is_bound:
            return self.recorder.school(self.data.get(self.add_prefix("school")))
        value = self.initial.get("school") or (self.instance.school_id if self.instance.pk else None)
        return self.recorder.school(value)

    @cached_property
    def class_choices(self) -> list[SchoolClass]:
        school = self.selected_school
        if school is None:
            return []
        return list(self.recorder.classes.filter(school=school))

    @cached_property
    def ticked_class_ids(self) -> set[int]:
        if self.is_bound:
            raw = self.data.getlist("classes") if hasattr(self.data, "getlist") else self.data.get("classes", [])
            return {int(v) for v in raw if is_id(str(v))}
        return {getattr(c, "pk", c) for c in self.initial.get("classes") or []}

    max_files = ev.MAX_FILES

    @cached_property
    def existing_evidence(self) -> list[Evidence]:
        return list(self.instance.evidence.all()) if self.instance.pk else []

    @cached_property
    def removed_ids(self) -> set[int]:
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return set()
        return {int(v) for v in self.data.getlist("remove_evidence") if is_id(str(v))}

    @property
    def students_hint(self) -> int:
        return sum(c.student_count for c in self.class_choices if c.pk in self.ticked_class_ids)

    @property
    def details_open(self) -> bool:
        return bool(self.instance.pk) or any(name in self.errors for name in DETAIL_FIELDS)

    @property
    def files_were_chosen(self) -> bool:
        return any(self.files.getlist(n) for n in ("photos", "files")) if hasattr(self.files, "getlist") else False

    # ---- checks -------------------------------------------------------------------------------------

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future: an activity is recorded after it took place."))
        if value.isoformat() < EARLIEST:
            raise forms.ValidationError(_("Check the year."))
        return value

    def _prepare(self, name: str, photo: bool) -> list:
        prepared, errors = [], []
        for upload in self.cleaned_data.get(name) or []:
            try:
                prepared.append(ev.prepare(upload, photo=photo))
            except ev.UploadError as e:
                errors.append(f"{ev.clean_name(upload.name)}: {e}")
        if errors:
            raise forms.ValidationError(errors)
        return prepared

    def clean_photos(self):
        return self._prepare("photos", photo=True)

    def clean_files(self):
        return self._prepare("files", photo=False)

    def clean(self):
        cleaned = super().clean()
        school, kind = cleaned.get("school"), cleaned.get("kind")
        classes = list(cleaned.get("classes") or [])
        whole = bool(cleaned.get("whole_school"))
        if school is not None and kind:
            try:
                check_classes(kind=kind, school=school, classes=classes, whole_school=whole)
            except forms.ValidationError as e:
                self.add_error(None, e)
        if school is not None and not self._recorder_keeps_access(school, classes, cleaned.get("officer")):
            self.add_error("classes" if self.recorder.scope.class_ids else "officer", gettext(
                "You would not find this record again: tick your own class or name an officer you work with."))
        if cleaned.get("students") is None and "students" not in self.errors and school is not None:
            cleaned["students"] = default_students(school=school, classes=classes, whole_school=whole)
        for name in ("teachers", "parents", "handbooks", "pledges"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        cleaned["topics"] = list(cleaned.get("topics") or [])
        self.uploads = list(cleaned.get("photos") or []) + list(cleaned.get("files") or [])
        keep = self.instance.evidence.count() - len(cleaned.get("remove_evidence") or []) if self.instance.pk else 0
        if keep + len(self.uploads) > ev.MAX_FILES:
            self.add_error(None, gettext("At most %(n)s photos and files per activity: you chose %(k)s.") % {
                "n": ev.MAX_FILES, "k": keep + len(self.uploads)})
        return cleaned

    def _recorder_keeps_access(self, school, classes, officer) -> bool:
        """The record must stay within reach of whoever recorded it (Activity.edit_q, checked before saving)."""
        scope = self.recorder.scope
        return (
            scope.superuser
            or any(school.region_id.startswith(p) for p in scope.committee_prefixes + scope.education_prefixes)
            or school.pk in scope.school_ids
            or any(c.pk in scope.class_ids for c in classes)
            or (officer is not None and (officer.pk in scope.officer_ids or officer.unit_id in scope.unit_ids))
        )

    def _post_clean(self):
        # The model's own checks run on the instance; students may still be empty when no school was chosen.
        if self.cleaned_data.get("students") is None and "students" not in self._errors:
            self.cleaned_data["students"] = 0
        super()._post_clean()

