"""Forms of the school registers: hazards around schools, disputes, confiscated items.

The school field offers only the schools whose register the user may write to (`recordable_schools`), so a
saved record is always one the user can edit afterwards."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text
from fazhi.org.models import School, _prefix_q
from fazhi.tips.forms import ItemForm
from fazhi.tips.models import ConfiscatedItem, Dispute, Hazard


def recordable_schools(user):
    """The schools whose registers the user may write to: `SchoolRegister.edit_q`, seen from the school
    (the committee's and the education bureau's regions, a school administrator's school, an officer's
    schools, a liaison's paired schools), within the schools the user can see at all."""
    scope = scope_for(user)
    schools = School.objects.visible_to(user)
    if scope.superuser:
        return schools
    return schools.filter(
        _prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)
        | Q(pk__in=scope.school_ids) | Q(pk__in=scope.officer_school_ids) | Q(pk__in=scope.paired_school_ids))


class RegisterForm(forms.ModelForm):
    """What the three register forms share: the school choice, plain text only, no dates in the future."""

    past_dates: tuple[str, ...] = ()  # date fields that cannot lie after today

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        school = self.fields["school"]
        school.queryset = recordable_schools(user).order_by("name")
        school.error_messages["invalid_choice"] = _("Choose one of the schools in the list.")
        if not self.is_bound and not self.instance.pk:
            only = list(school.queryset[:2])
            if len(only) == 1:
                self.initial.setdefault("school", only[0].pk)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and plain_text not in field.validators:
                field.validators.append(plain_text)
        today = timezone.localdate().isoformat()
        for name in self.past_dates:
            if name in self.fields:
                self.fields[name].widget.attrs["max"] = today

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in self.past_dates:
            value = data.get(name)
            if value and value > today:
                self.add_error(name, _("The date cannot be in the future."))
                data.pop(name, None)
        return data

    def _check_resolution(self, data, start_field: str, too_early):
        """A resolved record needs its date (the database refuses it otherwise); the date cannot come before
        the record's start."""
        state, start, resolved_on = data.get("state"), data.get(start_field), data.get("resolved_on")
        if state == "resolved" and not resolved_on and "resolved_on" not in self.errors:
            self.add_error("resolved_on", _("Give the date it was resolved, or choose another state."))
        if resolved_on and start and resolved_on < start:
            self.add_error("resolved_on", too_early)


class HazardForm(RegisterForm):
    past_dates = ("found_on", "resolved_on")

    class Meta:
        model = Hazard
        fields = ["school", "kind", "description", "location", "found_on", "responsible", "deadline", "state",
                  "measures", "resolved_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "found_on": DateInput(), "deadline": DateInput(), "resolved_on": DateInput(),
        }
        help_texts = {
            "responsible": _("The department that must rectify it, e.g. the traffic police or the market "
                             "regulator."),
            "resolved_on": _("Required when the state is Resolved."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("found_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        found_on, deadline = data.get("found_on"), data.get("deadline")
        if deadline and found_on and deadline < found_on:
            self.add_error("deadline", _("The deadline cannot come before the date the hazard was found."))
        self._check_resolution(data, "found_on", _("It cannot be resolved before it was found."))
        return data


class DisputeForm(RegisterForm):
    past_dates = ("received_on", "resolved_on")

    class Meta:
        model = Dispute
        fields = ["school", "kind", "parties", "description", "received_on", "state", "mediator", "result",
                  "resolved_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "result": forms.Textarea(attrs={"rows": 3}),
            "received_on": DateInput(), "resolved_on": DateInput(),
        }
        help_texts = {"resolved_on": _("Required when the state is Resolved.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        self._check_resolution(data, "received_on", _("It cannot be resolved before it was received."))
        return data


class RegisterItemForm(RegisterForm, ItemForm):
    """A confiscated item not tied to a case: the case page's ItemForm with the school added."""

    class Meta(ItemForm.Meta):
        model = ConfiscatedItem
        fields = ["school", *ItemForm.Meta.fields]
