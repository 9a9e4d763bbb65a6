from django.apps import AppConfig


class SupportIdConfig(AppConfig):
    name = "madoguchi.supportid"
    verbose_name = "お客さまサポートID"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.supportid.services import AUDIT_ACTIONS

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
