"""The zh-hans catalogue is complete and compiled (the same check `make lint` runs)."""

import importlib.util
from pathlib import Path

from django.utils import translation


def test_catalogue_is_complete_and_compiled():
    path = Path(__file__).resolve().parents[3] / "scripts" / "check_messages.py"
    spec = importlib.util.spec_from_file_location("check_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.problems() == []


def test_chinese_is_the_default_and_labels_are_translated():
    from fazhi.org.models import Officer

    with translation.override("zh-hans"):
        assert str(Officer.Status.TRANSFERRED.label) == "调离"
