"""Forms of joint inspections, findings, rectification, accountability records and checklists.

Every choice offered is one the user may write to, so a saved record is always one they can see afterwards.
Free text is plain text only (`plain_text`)."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.activities.evidence import UploadError, prepare_photo
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text
from fazhi.org.models import Officer, Region, School, Unit, _prefix_q
from fazhi.oversight.models import (
    AccountabilityRecord,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    Finding,
    Inspection,
)

MAX_PHOTOS = 6


class PlainTextMixin:
    def _plain(self):
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and plain_text not in field.validators:
                field.validators.append(plain_text)


class InspectionForm(PlainTextMixin, forms.ModelForm):
    agencies = forms.MultipleChoiceField(label=_("Participating agencies"), choices=Agency.choices,
                                         widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Inspection
        fields = ["region", "title", "date", "agencies", "template", "schools", "units", "state"]
        widgets = {"date": DateInput(), "schools": forms.CheckboxSelectMultiple,
                   "units": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        prefixes = scope.committee_prefixes + scope.education_prefixes
        regions = Region.objects.all() if scope.superuser else Region.objects.filter(_prefix_q("code", prefixes))
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        only = list(regions[:2])
        if len(only) == 1 and not self.instance.pk:
            self.initial.setdefault("region", only[0].pk)
        self.fields["template"].queryset = ChecklistTemplate.objects.visible_to(user)
        if not self.instance.pk:
            builtin = ChecklistTemplate.objects.filter(region__isnull=True).first()
            if builtin:
                self.initial.setdefault("template", builtin.pk)
            self.initial.setdefault("agencies", [Agency.COMMITTEE, Agency.EDUCATION])
        self.fields["schools"].queryset = School.objects.filter(region__in=regions).order_by("name")
        self.fields["units"].queryset = Unit.objects.filter(region__in=regions).order_by("name")
        self._plain()

    def clean(self):
        data = super().clean()
        region, template = data.get("region"), data.get("template")
        if region:
            for name in ("schools", "units"):
                if any(not o.region_id.startswith(region.code) for o in data.get(name) or ()):
                    self.add_error(name, _("Choose only schools and units of the inspection's region."))
            if template and template.region_id and not (
                    template.region_id.startswith(region.code) or region.code.startswith(template.region_id)):
                self.add_error("template", _("This checklist belongs to another region."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return data  # each file is checked by the form, with prepare_photo


class FindingForm(PlainTextMixin, forms.ModelForm):
    photos = PhotosField(
        label=_("Photos"), required=False,
        help_text=_("Up to %(n)s photos, each at most %(mb)s MB. Location data is removed.") % {
            "n": MAX_PHOTOS, "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))

    class Meta:
        model = Finding
        fields = ["item", "school", "unit", "officer", "severity", "description", "requirement", "deadline"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "requirement": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"school": _("Choose exactly one of school, unit or officer.")}

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.fields["item"].queryset = inspection.template.items.all()
        self.fields["item"].required = False
        self.fields["school"].queryset = inspection.schools.order_by("name")
        self.fields["unit"].queryset = inspection.units.order_by("name")
        officers = Officer.objects.filter(unit__in=inspection.units.all()) if inspection.units.exists() else (
            Officer.objects.filter(unit__region__code__startswith=inspection.region_id))
        self.fields["officer"].queryset = officers.select_related("unit").order_by("unit__name", "name")
        self.fields["officer"].label_from_instance = lambda o: f"{o.name} · {o.unit.name}"
        self.fields["deadline"].widget = DateInput(attrs={"min": inspection.date.isoformat()})
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "big")
        self.prepared_photos = []
        self._plain()

    def clean(self):
        data = super().clean()
        targets = [n for n in ("school", "unit", "officer") if data.get(n)]
        if len(targets) != 1 and not any(n in self.errors for n in ("school", "unit", "officer")):
            self.add_error(None, _("Choose exactly one of school, unit or officer."))
        deadline = data.get("deadline")
        if deadline and deadline < self.inspection.date:
            self.add_error("deadline", _("The deadline cannot come before the inspection date."))
        files = self.files.getlist("photos") if self.files else []
        if len(files) > MAX_PHOTOS:
            self.add_error("photos", _("At most %(n)s photos.") % {"n": MAX_PHOTOS})
        else:
            for upload in files:
                try:
                    self.prepared_photos.append(prepare_photo(upload))
                except UploadError as e:
                    self.add_error("photos", f"{upload.name}: {e}")
        return data


class RectificationForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["rectified_on", "rectification"]
        widgets = {"rectification": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"rectification": _("What was done, by whom, and where it can be checked.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rectified_on"].required = True
        self.fields["rectification"].required = True
        self.fields["rectified_on"].widget = DateInput(attrs={"max": timezone.localdate().isoformat()})
        if not self.instance.rectified_on:
            self.initial.setdefault("rectified_on", timezone.localdate())
        self._plain()

    def clean_rectified_on(self):
        value = self.cleaned_data["rectified_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value < self.instance.inspection.date:
            raise forms.ValidationError(_("It cannot be rectified before the inspection."))
        return value


class AccountabilityForm(PlainTextMixin, forms.ModelForm):
    case_number = forms.IntegerField(label=_("Case number"), required=False, min_value=1, max_value=999_999_999,
                                     help_text=_("The number of the tip-line case behind it, if any."))

    class Meta:
        model = AccountabilityRecord
        fields = ["measure", "unit", "officer", "date", "reason", "finding", "case_number", "circular_ref"]
        widgets = {"date": DateInput(), "reason": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"unit": _("Choose a unit or an officer, not both.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = scope_for(user)
        prefixes = scope.committee_prefixes
        if scope.superuser:
            units, officers, findings = Unit.objects.all(), Officer.objects.all(), Finding.objects.all()
        else:
            units = Unit.objects.filter(_prefix_q("region__code", prefixes))
            officers = Officer.objects.filter(_prefix_q("unit__region__code", prefixes))
            findings = Finding.objects.filter(_prefix_q("inspection__region__code", prefixes))
        self.fields["unit"].queryset = units.order_by("name")
        self.fields["officer"].queryset = officers.select_related("unit").order_by("unit__name", "name")
        self.fields["officer"].label_from_instance = lambda o: f"{o.name} · {o.unit.name}"
        self.fields["finding"].queryset = findings.select_related("school", "unit", "officer", "inspection")
        self.fields["finding"].label_from_instance = lambda f: (
            f"#{f.pk} {f.inspection.date:%Y-%m-%d} {f.target} · {f.get_severity_display()}")
        if not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
        elif self.instance.case_id:
            self.initial.setdefault("case_number", self.instance.case_id)
        self._plain()

    def clean_case_number(self):
        from fazhi.tips.models import Case

        number = self.cleaned_data.get("case_number")
        if number is None:
            return None
        if not Case.objects.visible_to(self.user).filter(pk=number).exists():
            raise forms.ValidationError(_("No case with this number that you can see."))
        return number

    def clean(self):
        data = super().clean()
        unit, officer = data.get("unit"), data.get("officer")
        if bool(unit) == bool(officer) and "unit" not in self.errors and "officer" not in self.errors:
            self.add_error(None, _("Choose a unit or an officer, not both."))
        date = data.get("date")
        if date and date > timezone.localdate():
            self.add_error("date", _("The date cannot be in the future."))
        return data

    def save(self, commit=True):
        record = super().save(commit=False)
        record.case_id = self.cleaned_data.get("case_number")
        record.region_id = (record.unit or record.officer.unit).region_id
        if commit:
            record.save()
        return record


class TemplateForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain()


class ItemForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["order", "text", "area"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain()


ItemFormSet = forms.inlineformset_factory(ChecklistTemplate, ChecklistItem, form=ItemForm, extra=3,
                                          can_delete=True, max_num=100, validate_max=True)


def copy_regions(user):
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    return Region.objects.filter(_prefix_q("code", scope.committee_prefixes + scope.education_prefixes))


