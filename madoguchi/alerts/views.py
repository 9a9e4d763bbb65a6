"""Placeholder views: replaced by the implementation of this app (ground for S2/S3)."""

from django.http import Http404


def settings_view(request, **kwargs):
    raise Http404


def destinations(request, **kwargs):
    raise Http404


def destination_delete(request, **kwargs):
    raise Http404


def destination_resume(request, **kwargs):
    raise Http404


def destination_confirm(request, **kwargs):
    raise Http404


def resume(request, **kwargs):
    raise Http404
