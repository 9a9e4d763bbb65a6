from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "madoguchi.mailboxes"
    verbose_name = "メールアカウント"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.mailboxes.kinds import KINDS

        for kind in KINDS:
            registry.register(kind)
