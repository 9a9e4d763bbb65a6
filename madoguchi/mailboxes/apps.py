from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "madoguchi.mailboxes"
    verbose_name = "メールアカウント"

    def ready(self):
        from madoguchi.applications.models import Application
        from madoguchi.applications.registry import register_processor
        from madoguchi.mailboxes.services import release_order
        from madoguchi.mailboxes.tasks import process_mailbox_order

        for kind in MAILBOX_KINDS:
            register_processor(
                getattr(Application.Kind, kind), process_mailbox_order, release=release_order
            )


MAILBOX_KINDS = ("MAILBOX_ADD", "MAILBOX_CHANGE", "MAILBOX_DELETE")
