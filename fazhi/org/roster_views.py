from django.http import Http404


def roster(request):
    raise Http404


def roster_template(request):
    raise Http404


def roster_export(request):
    raise Http404
