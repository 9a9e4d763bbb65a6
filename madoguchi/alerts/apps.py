from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "madoguchi.alerts"
    verbose_name = "工事・故障情報メール"

    def ready(self):
        from madoguchi.alerts.services import AUDIT_ACTIONS
        from madoguchi.audit.labels import register_action_label

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
