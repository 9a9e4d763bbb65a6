from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "madoguchi.faq"
    verbose_name = "よくあるご質問"
