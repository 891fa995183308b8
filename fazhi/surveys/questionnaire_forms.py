"""Forms of the questionnaire builder: a questionnaire's details (and its owner when the user has several),
and one question with its options typed one per line."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhi.lib.text import plain_text
from fazhi.surveys import builder
from fazhi.surveys.models import Question, Questionnaire


def _plain(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and plain_text not in field.validators:
            field.validators.append(plain_text)


class QuestionnaireForm(forms.ModelForm):
    """Title, audience and introduction; on creation also the owner, when the user may build for several
    (their schools, their regions)."""

    class Meta:
        model = Questionnaire
        fields = ["title", "audience", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, owners: list[builder.Owner] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = owners or []
        if len(self.owners) > 1:
            self.fields["owner"] = forms.ChoiceField(
                label=_("Belongs to"), choices=[("", "—"), *((o.key, o.label) for o in self.owners)],
                help_text=_("Who may change it and use it: a school, or everyone of a region's committee and "
                            "education bureau."))
            self.order_fields(["owner", "title", "audience", "introduction"])
        _plain(self)

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    @property
    def owner(self) -> builder.Owner | None:
        if len(self.owners) == 1:
            return self.owners[0]
        key = self.cleaned_data.get("owner")
        return next((o for o in self.owners if o.key == key), None)


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For single and multiple choice: one option per line, %(min)s to %(max)s options. A "
                    "frequency scale always has the same five answers; a short text question has none.")
        % {"min": builder.MIN_OPTIONS, "max": builder.MAX_OPTIONS})

    class Meta:
        model = Question
        fields = ["kind", "text", "help"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"help": _("Optional: a definition or a hint shown under the question.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["options_text"] = builder.option_lines(self.instance)
        _plain(self)

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def clean_help(self):
        return self.cleaned_data["help"].strip()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and "options_text" not in self.errors:
            try:
                data["options"] = builder.options_for(kind, data.get("options_text", ""))
            except forms.ValidationError as e:
                self.add_error("options_text", e)
        return data
