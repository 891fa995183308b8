import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.assignments.models import Assignment, Policy, Training
from fazhi.lib.forms import DateInput
from fazhi.org.models import Officer, current_school_year


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.unit.name} · {obj.title or ''}".rstrip(" ·")


class ProposeForm(forms.Form):
    officer = OfficerChoiceField(queryset=Officer.objects.none(), label=_("officer"))
    exception_reason = forms.CharField(
        label=_("reason for the exception"), max_length=300, required=False,
        help_text=_("Committee only: when the officer's unit is not paired with this school."))

    def __init__(self, *args, user, school, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        officers = Officer.objects.editable_by(user).filter(status=Officer.Status.ACTIVE).select_related("unit")
        self.fields["officer"].queryset = officers.order_by("unit__name", "name")
        is_committee = scope.superuser or any(school.region_id.startswith(p) for p in scope.committee_prefixes)
        if not is_committee:
            del self.fields["exception_reason"]


EARLIEST = datetime.date(2000, 1, 1)


class ConfirmForm(forms.Form):
    starts_on = forms.DateField(label=_("takes the class on"), initial=timezone.localdate,
                                widget=DateInput())

    def clean_starts_on(self):
        value = self.cleaned_data["starts_on"]
        today = timezone.localdate()
        if not today - datetime.timedelta(days=366) <= value <= today + datetime.timedelta(days=366):
            raise forms.ValidationError(_("The start date must be within a year of today."))
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason for rejection"), max_length=300,
                             help_text=_("The liaison sees this reason."))


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=Assignment.EndReason.choices)
    on = forms.DateField(label=_("ended on"), initial=timezone.localdate, widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def clean_on(self):
        if self.cleaned_data["on"] > timezone.localdate():
            raise forms.ValidationError(_("An assignment cannot end in the future."))
        if self.cleaned_data["on"] < EARLIEST:
            raise forms.ValidationError(_("Enter a date after 2000."))
        return self.cleaned_data["on"]


class ProposeAllForm(forms.Form):
    school_year = forms.IntegerField(label=_("school year"), min_value=2000, max_value=2100,
                                     initial=current_school_year)
    region = forms.ChoiceField(label=_("region"))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.code} {r.name}") for r in regions]


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["officer", "kind", "date", "hours", "topic", "provider"]
        widgets = {"date": DateInput()}
        field_classes = {"officer": OfficerChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Officer.objects.editable_by(user).select_related("unit").order_by("name")

    def clean_date(self):
        if self.cleaned_data["date"] > timezone.localdate():
            raise forms.ValidationError(_("Training can only be recorded once it has taken place."))
        if self.cleaned_data["date"] < EARLIEST:
            raise forms.ValidationError(_("Enter a date after 2000."))
        return self.cleaned_data["date"]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["max_classes_per_officer", "training_hours_required", "training_grace_days", "uncovered_limit_days"]
