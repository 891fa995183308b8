from django.dispatch import receiver

from fazhi.org.models import Officer, officer_status_changed


@receiver(officer_status_changed, sender=Officer)
def end_assignments_of_departed_officer(sender, officer, previous, on, reason, **kwargs):
    if officer.status != Officer.Status.ACTIVE:
        from fazhi.assignments.services import officer_departed

        officer_departed(officer=officer, on=on, note=reason)
