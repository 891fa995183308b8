import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.api.models import ApiToken

LIFETIMES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("one year"))]


class TokenForm(forms.ModelForm):
    lifetime = forms.TypedChoiceField(label=_("valid for"), choices=LIFETIMES, coerce=int, initial=90)

    class Meta:
        model = ApiToken
        fields = ["name"]

    def expires_at(self) -> datetime.datetime:
        return timezone.now() + datetime.timedelta(days=self.cleaned_data["lifetime"])
