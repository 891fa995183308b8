"""Forms of the tip line (public, no account) and of case handling (staff)."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.activities import evidence
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text
from fazhi.org.models import School, SchoolClass, current_school_year
from fazhi.tips.models import (
    MAX_MESSAGE,
    MAX_TEXT,
    ONLINE_CHANNELS,
    Case,
    CasePolicy,
    Category,
    Channel,
    ConfiscatedItem,
    ReporterRole,
    Status,
)

YES_NO = [("no", _("No")), ("yes", _("Yes, someone is in danger now"))]

CATEGORY_HINTS = {
    Category.PHYSICAL: _("hitting, kicking, pushing, locking someone in"),
    Category.DIGNITY: _("insulting names, mocking, humiliating someone"),
    Category.PROPERTY: _("taking money or things, breaking belongings"),
    Category.EXCLUSION: _("leaving someone out on purpose, turning others against them"),
    Category.ONLINE: _("insults, rumours or private photos online or in chat groups"),
}


def _text(label, max_length, required=False, help_text="", widget=None):
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           validators=[plain_text], widget=widget, strip=True)


class TipForm(forms.Form):
    """What a student or parent fills in on the class page (and what the mini-program sends)."""

    category = forms.ChoiceField(label=_("What happened?"), choices=Category.choices, widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose what happened."),
                                                 "invalid_choice": _("Choose what happened from the list.")})
    description = forms.CharField(
        label=_("Tell us about it"), min_length=5, max_length=MAX_TEXT, validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT}),
        help_text=_("What happened, as you saw or heard it. At most 5000 characters."),
        error_messages={"required": _("Describe what happened, in a few words at least."),
                        "min_length": _("Describe what happened, in a few words at least.")})
    occurred = _text(_("When? (optional)"), 100, help_text=_("e.g. last Friday after school"))
    place = _text(_("Where? (optional)"), 100, help_text=_("e.g. behind the sports ground"))
    people = _text(_("Who was involved? (optional)"), 200,
                   help_text=_("You may leave this empty. Names help the officer act quickly."))
    in_danger = forms.ChoiceField(label=_("Is someone in danger right now?"), choices=YES_NO, initial="no",
                                  widget=forms.RadioSelect, required=False)
    reporter_role = forms.ChoiceField(label=_("You are (optional)"), choices=[("", _("I'd rather not say"))]
                                      + ReporterRole.choices, required=False, widget=forms.RadioSelect)

    def clean_in_danger(self):
        return self.cleaned_data.get("in_danger") == "yes"


def prepare_photos(files) -> tuple[list, list[str]]:
    """Check the chosen photos: (prepared photos, error messages). Nothing is stored here."""
    files = [f for f in files if f]
    if len(files) > settings.TIP_MAX_PHOTOS:
        return [], [str(_("Attach at most %(n)s photos.") % {"n": settings.TIP_MAX_PHOTOS})]
    prepared, errors = [], []
    for upload in files:
        try:
            prepared.append(evidence.prepare_photo(upload))
        except evidence.UploadError as e:
            errors.append(str(e))
    return prepared, errors


class LookupForm(forms.Form):
    receipt = forms.CharField(label=_("Your receipt code"), max_length=64,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                              help_text=_("The 16 digits you were given when you reported."))


class ReplyForm(forms.Form):
    receipt = forms.CharField(max_length=64, widget=forms.HiddenInput)
    body = forms.CharField(label=_("Write to the handler"), max_length=MAX_MESSAGE, min_length=2,
                           validators=[plain_text], widget=forms.Textarea(attrs={"rows": 4,
                                                                                 "maxlength": MAX_MESSAGE}))


# ---- staff ---------------------------------------------------------------------------------------

class ClueForm(forms.Form):
    """A clue from another channel, entered by staff into the same flow."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[c for c in Channel.choices
                                                            if c[0] not in ONLINE_CHANNELS])
    school_class = forms.ModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False,
                                          help_text=_("Leave empty if the clue concerns the school as a whole."))
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none(), required=False)
    category = forms.ChoiceField(label=_("What happened"), choices=Category.choices)
    description = forms.CharField(label=_("Description"), max_length=MAX_TEXT, validators=[plain_text],
                                  widget=forms.Textarea(attrs={"rows": 5}))
    occurred = _text(_("When"), 100)
    place = _text(_("Where"), 100)
    people = _text(_("Who was involved"), 200)
    in_danger = forms.BooleanField(label=_("Someone is in danger now (urgent)"), required=False)
    reporter_role = forms.ChoiceField(label=_("The reporter is"), choices=[("", _("Unknown"))]
                                      + ReporterRole.choices, required=False)
    reporter_name = _text(_("Reporter's name"), 50,
                          help_text=_("Leave empty for an anonymous clue. A named reporter's identity is kept "
                                      "confidential."))
    reporter_contact = _text(_("Reporter's contact"), 50)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        year = current_school_year()
        self.fields["school_class"].queryset = (SchoolClass.objects.visible_to(user).filter(school_year=year)
                                                .select_related("school").order_by("school__name", "grade",
                                                                                   "number"))
        self.fields["school_class"].label_from_instance = lambda c: f"{c.school.name} {c.name}"
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("name")

    def clean(self):
        data = super().clean()
        klass, school = data.get("school_class"), data.get("school")
        if klass and school and klass.school_id != school.pk:
            self.add_error("school", _("The class is not in this school."))
        elif klass:
            data["school"] = klass.school
        elif not school and not self.errors.get("school"):
            self.add_error("school_class", _("Choose the class, or the school if it concerns the whole school."))
        return data


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["conclusion", "committee_decided_on", "response", "parents_notified_on", "counselling",
                  "police_reported_on", "decision", "recheck_result"]
        widgets = {
            "committee_decided_on": DateInput(),
            "parents_notified_on": DateInput(),
            "police_reported_on": DateInput(),
            "decision": forms.Textarea(attrs={"rows": 4}),
            "recheck_result": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conclusion"].required = True
        for name in ("decision", "recheck_result"):
            self.fields[name].validators.append(plain_text)
        if self.instance.status != Status.RECHECK:
            del self.fields["recheck_result"]

    def clean(self):
        from fazhi.tips.services import check_decision

        data = super().clean()
        try:
            check_decision(self.instance, data)
        except forms.ValidationError as e:
            for field, errors in e.error_dict.items():
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        return data

    def _post_clean(self):
        pass  # the case is changed by services.decide, not by saving the form


class AppealForm(forms.Form):
    appealed_on = forms.DateField(label=_("Appeal received on"),
                                   widget=DateInput())
    note = forms.CharField(label=_("Who appealed and why"), max_length=2000, validators=[plain_text],
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_appealed_on(self):
        value = self.cleaned_data["appealed_on"]
        if value > timezone.localdate() or value < timezone.localdate(self.case.tip.created_at):
            raise forms.ValidationError(_("The date must lie between the tip's arrival and today."))
        return value


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), max_length=MAX_TEXT, validators=[plain_text],
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Seen by handlers only, never by the reporter."))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message to the reporter"), max_length=MAX_MESSAGE, validators=[plain_text],
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("The reporter reads this with their receipt code. Do not name other "
                                       "students."))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), max_length=2000, required=False, validators=[plain_text])


class HandoverForm(forms.Form):
    to = forms.TypedChoiceField(label=_("Hand over to"), coerce=int)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, validators=[plain_text])

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {u.pk: u for u in candidates}
        self.fields["to"].choices = [(u.pk, str(u)) for u in candidates]

    def clean_to(self):
        return self.candidates[self.cleaned_data["to"]]


class ItemForm(forms.ModelForm):
    class Meta:
        model = ConfiscatedItem
        fields = ["kind", "count", "seized_on", "note"]
        widgets = {"seized_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].validators.append(plain_text)
        if not self.is_bound:
            self.initial.setdefault("seized_on", timezone.localdate())

    def clean_seized_on(self):
        value = self.cleaned_data["seized_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CasePolicyForm(forms.ModelForm):
    class Meta:
        model = CasePolicy
        fields = ["acknowledge_hours", "investigation_days", "escalation_minutes"]

