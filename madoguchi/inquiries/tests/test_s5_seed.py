"""S5: the demo inquiries, one in each status, one answered (load_demo, idempotent)."""

import pytest
from django.core.management import call_command

from madoguchi.inquiries.models import Inquiry, InquiryNote, InquiryReply

pytestmark = pytest.mark.django_db


def test_s5_load_demo_adds_inquiries_in_every_status():
    call_command("load_demo")
    call_command("load_demo")  # safe to run again
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert statuses == {"new", "in_progress", "answered", "closed"}
    assert Inquiry.objects.count() == 4
    answered = Inquiry.objects.get(status="answered")
    reply = InquiryReply.objects.get()
    assert reply.inquiry == answered and reply.mail.to == answered.email
    assert InquiryNote.objects.count() == 1
    assert len(set(Inquiry.objects.values_list("number", flat=True))) == 4
