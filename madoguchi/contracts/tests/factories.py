import factory
from django.contrib.auth.models import Group

from madoguchi.contracts.models import Contract, PhonePage, User

TEST_PASSWORD = "Pass-123"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer_number = factory.Sequence(lambda n: f"N9{n:08d}")
    service_name = "光フレッツ IP1 ファミリータイプ"
    name = factory.Sequence(lambda n: f"テスト商事{n}株式会社")
    name_kana = "テストショウジカブシキガイシャ"
    postal_code = "100-0004"
    address = "東京都千代田区大手町9丁目9-9"
    department = "情報システム部"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.com")


class DeskUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@biz.example.ne.jp")
    kind = User.Kind.DESK
    contract = factory.SubFactory(ContractFactory)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"operator{n}")
    kind = User.Kind.OPERATOR
    is_staff = True
    is_superuser = False

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "Operator-pass-123")
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """The operator's role (B5): 管理者 unless given, e.g. ``OperatorFactory(role=ETSURAN)``."""
        from madoguchi.backoffice.roles import KANRISHA

        if create:
            obj.groups.add(Group.objects.get(name=(extracted or KANRISHA).name))


class PhonePageFactory(factory.django.DjangoModelFactory):
    """The four pages exist from a data migration; a transactional test's flush removes them."""

    class Meta:
        model = PhonePage
        django_get_or_create = ("topic",)

    topic = PhonePage.Topic.SETUP
    phone_number = factory.Sequence(lambda n: f"0120-111-{n % 1000:03d}")
    hours = "9:00〜17:00（土曜・日曜・祝日・年末年始を除く）"
    body = "お問い合わせの内容をご案内します。\n\nお客様番号をお手元にご用意ください。"


def phone_pages() -> dict[str, PhonePage]:
    """All four phone pages, created when missing (D7.1)."""
    return {topic: PhonePageFactory(topic=topic) for topic in PhonePage.Topic.values}
