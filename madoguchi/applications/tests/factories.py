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
    kind = "network_password"
    before = factory.LazyAttribute(
        lambda o: {"login_id": o.submitted_by.username, "password": "hidden"}
    )
    after = {"password": "changed"}
    work = {"radius_hash": "$6$rounds=1000$salt$hash"}

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
        )

    @classmethod
    def aged(cls, age: timedelta, **kwargs) -> Application:
        """An application submitted ``age`` ago (``submitted_at`` is set on insert)."""
        application = cls(**kwargs)
        when = timezone.now() - age
        Application.objects.filter(pk=application.pk).update(submitted_at=when, not_before=when)
        application.refresh_from_db()
        return application
