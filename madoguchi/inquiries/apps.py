from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "madoguchi.inquiries"
    verbose_name = "お問い合わせ"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.inquiries.services import ACTION_LABELS

        for code, label in ACTION_LABELS.items():
            register_action_label(code, label)
