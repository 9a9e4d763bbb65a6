"""Placeholder views: replaced by the implementation of this app (ground for S2/S3)."""

from django.http import Http404


def register(request, **kwargs):
    raise Http404


def register_done(request, **kwargs):
    raise Http404


def confirm(request, **kwargs):
    raise Http404


def password_forgot(request, **kwargs):
    raise Http404


def password_reset(request, **kwargs):
    raise Http404


def id_reminder(request, **kwargs):
    raise Http404


def mymenu(request, **kwargs):
    raise Http404


def account(request, **kwargs):
    raise Http404


def password_change(request, **kwargs):
    raise Http404


def withdraw(request, **kwargs):
    raise Http404
