from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.lib.forms import DateInput
from fazhi.lib.images import without_metadata
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit
from fazhi.org.validators import normalize_phone

PHOTO_TYPES = {"JPEG", "PNG", "WEBP"}


def regions_under(user, prefixes) -> "forms.models.QuerySet":
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    q = Q(pk__in=[])
    for prefix in prefixes(scope):
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q)


class PhoneCleaningMixin:
    phone_fields: tuple[str, ...] = ()

    def _post_clean(self):
        for name in self.phone_fields:
            if name in self.cleaned_data and self.cleaned_data[name]:
                self.cleaned_data[name] = normalize_phone(self.cleaned_data[name])
        super()._post_clean()


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class UnitForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("phone", "supervision_hotline")
    region = RegionChoiceField(queryset=Region.objects.none(), label=_("region"))

    class Meta:
        model = Unit
        fields = ["name", "kind", "region", "phone", "supervision_hotline", "address"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_under(user, lambda s: s.committee_prefixes)
        if self.instance.pk and not scope_for(user).superuser and not scope_for(user).committee_prefixes:
            # A liaison keeps their unit's contact details up to date, nothing more.
            for name in ("name", "kind", "region"):
                self.fields[name].disabled = True
            self.fields["region"].queryset = Region.objects.filter(pk=self.instance.region_id)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Unit.Kind.COMMITTEE and not cleaned.get("supervision_hotline"):
            self.add_error("supervision_hotline", _("A political-legal committee needs its supervision hotline."))
        return cleaned


class SchoolForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("phone",)
    region = RegionChoiceField(queryset=Region.objects.none(), label=_("region"))

    class Meta:
        model = School
        fields = ["region", "name", "stage", "address", "phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["region"].queryset = regions_under(user, lambda s: s.committee_prefixes + s.education_prefixes)
        if self.instance.pk and not scope.superuser and not (scope.committee_prefixes or scope.education_prefixes):
            self.fields["region"].disabled = True
            self.fields["region"].queryset = Region.objects.filter(pk=self.instance.region_id)


class SchoolClassForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("homeroom_teacher_phone",)

    class Meta:
        model = SchoolClass
        fields = ["school", "school_year", "grade", "number", "name", "homeroom_teacher", "homeroom_teacher_phone",
                  "student_count"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.editable_by(user)
        self.fields["name"].required = False
        scope = scope_for(user)
        if self.instance.pk and not scope.superuser and not (
            scope.committee_prefixes or scope.education_prefixes or scope.school_ids
        ):
            # A homeroom teacher updates the class's details, not its identity.
            for name in ("school", "school_year", "grade", "number", "name"):
                self.fields[name].disabled = True
            self.fields["school"].queryset = School.objects.filter(pk=self.instance.school_id)

    def clean(self):
        cleaned = super().clean()
        renumbered = {"grade", "number"} & set(self.changed_data)
        if renumbered and "name" not in self.changed_data:
            cleaned["name"] = ""  # the model fills in the display name for the new grade and number
        return cleaned


class OfficerForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("phone",)

    class Meta:
        model = Officer
        fields = ["unit", "name", "gender", "phone", "title", "photo"]
        widgets = {"photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.editable_by(user)

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "image"):  # a new upload, already decoded by Pillow
            if photo.size > settings.MAX_PHOTO_BYTES:
                raise forms.ValidationError(_("The photo is larger than %(mb)s MB.") % {
                    "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)})
            if photo.image.format not in PHOTO_TYPES:
                raise forms.ValidationError(_("Upload a JPEG, PNG or WebP photo."))
            return without_metadata(photo, "officer")  # no GPS position or camera data is kept
        return photo


class OfficerStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Officer.Status.choices)
    changed_on = forms.DateField(label=_("with effect from"), widget=DateInput(),
                                 initial=timezone.localdate)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False,
                             help_text=_("E.g. transferred to 酒泉市公安局; recorded in the history."))

    def clean_changed_on(self):
        value = self.cleaned_data["changed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of a status change cannot be in the future."))
        if value.year < 2000:
            raise forms.ValidationError(_("Enter a date after 2000."))
        return value


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx); use the template."))
        if upload.size > settings.MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {
                "mb": settings.MAX_ROSTER_BYTES // (1024 * 1024)})
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("This is not a valid .xlsx file."))
        return upload
