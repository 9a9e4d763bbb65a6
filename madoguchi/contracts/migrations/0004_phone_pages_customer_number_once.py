"""The phone pages said 「お客様番号をお手元に」 twice: in their text and in the note the page
adds with the customer's own number. The note stays; the initial texts lose the sentence
(a text an operator has edited is left as it is)."""

from django.db import migrations

REVISED = {
    "setup": (
        "お電話の際は、お客様番号と、お使いの機器（ルーター・パソコン等）の機種名を"
        "お手元にご用意ください。",
        "お電話の際は、お使いの機器（ルーター・パソコン等）の機種名もお手元にご用意ください。",
    ),
    "fault": (
        "お電話の際は、お客様番号と、認証IDをお手元にご用意ください。",
        "お電話の際は、認証IDもお手元にご用意ください。",
    ),
    "billing": (
        "お電話の際は、お客様番号と、お手元の請求書をご用意ください。",
        "お電話の際は、お手元の請求書もご用意ください。",
    ),
    "procedures": ("\n\nお電話の際は、お客様番号をお手元にご用意ください。", ""),
}


def revise(apps, schema_editor):
    PhonePage = apps.get_model("contracts", "PhonePage")
    for page in PhonePage.objects.filter(topic__in=REVISED):
        old, new = REVISED[page.topic]
        if old in page.body:
            page.body = page.body.replace(old, new)
            page.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_contract_billing_notice_email")]
    operations = [migrations.RunPython(revise, migrations.RunPython.noop)]
