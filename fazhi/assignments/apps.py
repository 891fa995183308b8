from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    name = "fazhi.assignments"
    label = "assignments"
    verbose_name = _("Assignments and coverage")

    def ready(self):
        from fazhi.assignments import signals  # noqa: F401
