from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "madoguchi.contacts"
    verbose_name = "担当者連絡先"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.contacts.kinds import KIND

        registry.register(KIND)
