from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "fazhi.lib"
    label = "lib"
