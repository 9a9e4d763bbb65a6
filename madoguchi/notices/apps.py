from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "madoguchi.notices"
    verbose_name = "工事・故障情報"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.notices.services import AUDIT_ACTIONS

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
