from datetime import timedelta

import factory
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.factories import DeskUserFactory


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A network password application, accepted; the work is never enqueued by the factory."""

    class Meta:
        model = Application

    submitted_by = factory.SubFactory(DeskUserFactory)
    contract = factory.SelfAttribute("submitted_by.contract")
    kind = Application.Kind.NETWORK_PASSWORD
    before = factory.LazyAttribute(lambda o: {"認証ID": o.submitted_by.username})
    after = factory.LazyAttribute(
        lambda o: {"認証ID": o.submitted_by.username, "認証パスワード": "変更"}
    )
    work = {"radius_hash": "$6$rounds=1000$salt$hash"}
    mail_to = factory.LazyAttribute(lambda o: [o.contract.contact_email])

    class Params:
        processing = factory.Trait(
            status=Application.Status.PROCESSING,
            attempts=1,
            lease_expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=2)),
        )
        done = factory.Trait(
            status=Application.Status.DONE,
            attempts=1,
            finished_at=factory.LazyFunction(timezone.now),
            mail_sent_at=factory.LazyFunction(timezone.now),
        )

    @classmethod
    def aged(cls, age: timedelta, **kwargs) -> Application:
        """An application submitted ``age`` ago (``submitted_at`` is set on insert)."""
        application = cls(**kwargs)
        Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - age)
        application.refresh_from_db()
        return application
