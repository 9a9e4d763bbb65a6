import factory

from madoguchi.faq.models import Category, Question


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"カテゴリ{n}")
    order = factory.Sequence(lambda n: n * 10)
    published = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    category = factory.SubFactory(CategoryFactory)
    question = factory.Sequence(lambda n: f"ご質問{n}ですか?")
    answer = "回答です。"
    order = factory.Sequence(lambda n: n * 10)
    published = True
