from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "madoguchi.inquiries"
    verbose_name = "お問い合わせ"
