from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def verbose_name(obj) -> str:
    return obj._meta.verbose_name


@register.filter
def detail_url(obj) -> str:
    from django.urls import reverse

    names = {"unit": "org:unit_detail", "school": "org:school_detail", "schoolclass": "org:class_detail",
             "officer": "org:officer_detail"}
    return reverse(names[obj._meta.model_name], args=[obj.pk])
