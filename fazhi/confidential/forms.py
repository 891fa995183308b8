"""Forms of the confidential registers. The school field offers only the schools whose register the user keeps,
so a saved record is always one they can see afterwards; the class field only that school's classes (the
model refuses a class of another school)."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.confidential.fields import Undecryptable
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text
from fazhi.org.models import School, SchoolClass, current_school_year

MAX_REVIEW_AHEAD = datetime.timedelta(days=366)  # a record is looked at again at least once a year


def register_schools(user, model):
    """The schools whose register of `model` the user keeps."""
    scope = scope_for(user)
    schools = School.objects.all()
    if scope.superuser:
        return schools
    return schools.filter(pk__in=model.visible_school_ids(scope))


class RecordForm(forms.ModelForm):
    encrypted = ("reference", "responsible")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        school = self.fields["school"]
        school.queryset = register_schools(user, self._meta.model).order_by("name")
        school.error_messages["invalid_choice"] = _("Choose one of the schools in the list.")
        if not self.is_bound and not self.instance.pk:
            only = list(school.queryset[:2])
            if len(only) == 1:
                self.initial.setdefault("school", only[0].pk)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and plain_text not in field.validators:
                field.validators.append(plain_text)
        today = timezone.localdate()
        review = self.fields["next_review"]
        review.widget.attrs.update(min=today.isoformat(), max=(today + MAX_REVIEW_AHEAD).isoformat())
        # A value this server cannot decrypt is left out of the form: its ciphertext stays as it is, and the
        # placeholder text is never saved over it.
        self.locked = [name for name in self.encrypted
                       if isinstance(getattr(self.instance, name, None), Undecryptable)]
        for name in self.locked:
            del self.fields[name]

    def clean_next_review(self):
        value = self.cleaned_data.get("next_review")
        today = timezone.localdate()
        if value and value < today:
            raise forms.ValidationError(_("The next review date cannot be in the past. When you review a record, "
                                          "set the date of the next review, or remove the record."), code="past")
        if value and value > today + MAX_REVIEW_AHEAD:
            raise forms.ValidationError(_("Review every record at least once a year: choose a date within the "
                                          "next twelve months."), code="too_far")
        return value


HELP = {
    "reference": _("A number (for example the student number) or initials such as ZS — never a name."),
    "responsible": _("Who follows this up, for example 王老师 or the school's safety officer."),
    "next_review": _("At most a year ahead. At the review, set the next date, or remove the record if it is no "
                     "longer needed."),
}


class SpecialStudentForm(RecordForm):
    encrypted = ("reference", "plan", "responsible")

    class Meta:
        model = SpecialStudent
        fields = ["school", "school_class", "reference", "category", "plan", "responsible", "next_review"]
        widgets = {
            "reference": forms.TextInput(attrs={"autocomplete": "off"}),
            "responsible": forms.TextInput(attrs={"autocomplete": "off"}),
            "plan": forms.Textarea(attrs={"rows": 5}),
            "next_review": DateInput(),
        }
        help_texts = {**HELP, "plan": _("What the school does for the student and how often; only what the care "
                                        "or supervision needs, no names.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        klass = self.fields["school_class"]
        classes = SchoolClass.objects.filter(school__in=self.fields["school"].queryset)
        keep = Q(school_year=current_school_year())
        if self.instance.school_class_id:
            keep |= Q(pk=self.instance.school_class_id)
        klass.queryset = classes.filter(keep).select_related("school").order_by("school__name", "grade", "number")
        klass.error_messages["invalid_choice"] = _("Choose one of the classes in the list.")
        several = len({c.school_id for c in klass.queryset}) > 1
        klass.label_from_instance = (lambda c: f"{c.school.name} {c.name}") if several else (lambda c: c.name)


class StaffConcernForm(RecordForm):
    encrypted = ("reference", "measures", "responsible")

    class Meta:
        model = StaffConcern
        fields = ["school", "reference", "category", "measures", "responsible", "next_review"]
        widgets = {
            "reference": forms.TextInput(attrs={"autocomplete": "off"}),
            "responsible": forms.TextInput(attrs={"autocomplete": "off"}),
            "measures": forms.Textarea(attrs={"rows": 5}),
            "next_review": DateInput(),
        }
        help_texts = {**HELP, "reference": _("A staff number or initials — never a name."),
                      "measures": _("How the school supervises and follows up; only what is needed.")}
