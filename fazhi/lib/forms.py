"""Form widgets shared by the apps."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker (`<input type="date">`). Its value is always shown as an ISO date
    (YYYY-MM-DD), the only format the picker reads, whatever the language; more attributes (`min`, `max`) as
    usual: `DateInput(attrs={"min": "2024-01-01"})`."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
