"""Opening a survey window (staff)."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.scope import scope_for
from fazhi.lib.forms import DateInput
from fazhi.lib.text import plain_text
from fazhi.org.models import Region, School, SchoolClass, _prefix_q, current_school_year
from fazhi.surveys.models import Questionnaire

TARGETS = [("school", _("A whole school")), ("classes", _("Chosen classes")), ("region", _("Every class of a region"))]
MAX_DAYS = 60


def runnable_schools(user):
    """Schools whose classes the user may survey: their region's (committee, bureau) or their own (school)."""
    scope = scope_for(user)
    if scope.superuser:
        return School.objects.all()
    return School.objects.filter(_prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)
                                 | Q(pk__in=scope.school_ids))


def runnable_regions(user):
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    return Region.objects.filter(_prefix_q("code", scope.committee_prefixes + scope.education_prefixes))


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, validators=[plain_text],
                            help_text=_("e.g. 2026 autumn semester bullying survey"))
    questionnaire = forms.ModelChoiceField(label=_("Questionnaire"), queryset=Questionnaire.objects.none())
    opens_on = forms.DateField(label=_("Opens on"),
                                widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"),
                                 widget=DateInput())
    target = forms.ChoiceField(label=_("Who answers"), choices=TARGETS, widget=forms.RadioSelect, initial="school")
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none(), required=False)
    classes = forms.ModelMultipleChoiceField(label=_("Classes"), queryset=SchoolClass.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    min_group = forms.IntegerField(label=_("Smallest group shown"), min_value=5, max_value=100, initial=10,
                                   help_text=_("Answers of a group with fewer respondents are never shown (at least "
                                               "5)."))
    flag_percent = forms.IntegerField(label=_("Risk flag threshold (%)"), min_value=1, max_value=100, initial=15,
                                      help_text=_("A class where at least this share was bullied 2–3 times a month "
                                                  "or more becomes a clue for its officer."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + datetime.timedelta(days=14)
        self.fields["questionnaire"].queryset = Questionnaire.objects.visible_to(user).usable().order_by(
            "-builtin", "title", "-version")
        schools = runnable_schools(user).order_by("name")
        self.fields["school"].queryset = schools
        classes = SchoolClass.objects.filter(school__in=schools, school_year=current_school_year()).select_related(
            "school").order_by("school__name", "grade", "number")
        self.fields["classes"].queryset = classes
        self.fields["classes"].label_from_instance = lambda c: f"{c.school.name} {c.name}"
        self.fields["region"].queryset = runnable_regions(user).order_by("code")
        if not self.fields["region"].queryset.exists():
            self.fields["target"].choices = TARGETS[:2]
            del self.fields["region"]
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        today = timezone.localdate()
        if opens and opens < today:
            self.add_error("opens_on", _("A survey cannot open in the past."))
        if opens and closes:
            if closes < opens:
                self.add_error("closes_on", _("The survey must close on or after the day it opens."))
            elif (closes - opens).days > MAX_DAYS:
                self.add_error("closes_on", _("A survey stays open for at most %(n)s days.") % {"n": MAX_DAYS})
        target = data.get("target")
        year = current_school_year()
        if target == "school":
            if not data.get("school"):
                self.add_error("school", _("Choose the school."))
            else:
                data["class_list"] = list(data["school"].classes.filter(school_year=year))
                data["owner"] = {"school": data["school"]}
        elif target == "classes":
            chosen = list(data.get("classes") or [])
            data["class_list"] = chosen
            if not chosen:
                self.add_error("classes", _("Choose at least one class."))
            elif len({c.school_id for c in chosen}) == 1 and chosen[0].school_id in scope_for(self.user).school_ids:
                data["owner"] = {"school": chosen[0].school}
            else:
                data["owner"] = {"region": self._region_of(chosen)}
        elif target == "region":
            region = data.get("region")
            if not region:
                self.add_error("region", _("Choose the region."))
            else:
                data["class_list"] = list(SchoolClass.objects.filter(school__region__code__startswith=region.code,
                                                                     school_year=year))
                data["owner"] = {"region": region}
        if not self.errors and not data.get("class_list"):
            self.add_error("target", _("There are no classes of this school year to survey here."))
        return data

    def _region_of(self, chosen):
        """The most specific of the user's regions that covers all the chosen classes (the survey's owner)."""
        codes = {c.school.region_id for c in chosen}
        for region in sorted(runnable_regions(self.user), key=lambda r: -len(r.code)):
            if all(code.startswith(region.code) for code in codes):
                return region
        return chosen[0].school.region
