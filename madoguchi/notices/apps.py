from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "madoguchi.notices"
    verbose_name = "工事・故障情報"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.lib import periodic
        from madoguchi.notices.services import AUDIT_ACTIONS, publish_reminders

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
        periodic.register(publish_reminders, "recorded {count} reminder(s) of planned work")
