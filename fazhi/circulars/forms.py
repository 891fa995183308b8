import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fazhi.circulars.models import Circular
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text

MAX_DAYS = 366 * 2
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _check_period(form, start, end):
    if start and not (EARLIEST <= start <= LATEST):
        form.add_error("start", _("Enter a valid date."))
    if end and not (EARLIEST <= end <= LATEST):
        form.add_error("end", _("Enter a valid date."))
    if start and end and end < start:
        form.add_error("end", _("The period cannot end before it starts."))
    elif start and end and (end - start).days > MAX_DAYS:
        form.add_error("end", _("Choose a period of two years at most."))


def _unique_number(region, number, exclude_pk=None):
    qs = Circular.objects.filter(region=region, number=number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError(_("This document number is already used in the region."), code="unique")


class NewCircularForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    title = forms.CharField(label=_("Title"), max_length=120, required=False, validators=[plain_text],
                            help_text=_("Leave empty for the standard title."))
    number = forms.CharField(label=_("Document number"), max_length=40, required=False, validators=[plain_text],
                             help_text=_("Leave empty for the next free number."))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean(self):
        data = super().clean()
        _check_period(self, data.get("start"), data.get("end"))
        if data.get("region") and data.get("number"):
            try:
                _unique_number(data["region"], data["number"])
            except ValidationError as e:
                self.add_error("number", e)
        return data


class EditCircularForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, validators=[plain_text])
    number = forms.CharField(label=_("Document number"), max_length=40, validators=[plain_text])
    issuer = forms.CharField(label=_("Issued by"), max_length=100, validators=[plain_text])

    MAX_BODY = 10000

    def __init__(self, *args, circular: Circular, **kwargs):
        self.circular = circular
        initial = {"title": circular.title, "number": circular.number, "issuer": circular.issuer}
        for i, s in enumerate(circular.sections or []):
            initial[f"heading_{i}"] = s.get("heading", "")
            initial[f"body_{i}"] = s.get("body", "")
        super().__init__(*args, initial=initial, **kwargs)
        for i, _s in enumerate(circular.sections or []):
            self.fields[f"heading_{i}"] = forms.CharField(label=_("Heading"), max_length=100,
                                                          validators=[plain_text])
            self.fields[f"body_{i}"] = forms.CharField(label=_("Text"), max_length=self.MAX_BODY, required=False,
                                                       widget=forms.Textarea(attrs={"rows": 10}),
                                                       validators=[plain_text])

    def section_fields(self):
        return [(self[f"heading_{i}"], self[f"body_{i}"]) for i in range(len(self.circular.sections or []))]

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        _unique_number(self.circular.region, number, exclude_pk=self.circular.pk)
        return number

    def sections(self) -> list[dict]:
        d = self.cleaned_data
        return [{"heading": d[f"heading_{i}"].strip(), "body": d[f"body_{i}"].replace("\r\n", "\n").strip()}
                for i in range(len(self.circular.sections or []))]
