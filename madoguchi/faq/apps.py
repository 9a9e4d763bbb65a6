from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "madoguchi.faq"
    verbose_name = "よくあるご質問"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.faq.services import AUDIT_ACTIONS

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
