"""The back office's forms for FAQ authoring (B3): free text without control characters."""

from django import forms

from madoguchi.faq.models import Category, Question
from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)

# Line breaks and tabs belong in a Markdown answer; other control characters do not.
ANSWER_LAYOUT = str.maketrans("", "", "\r\n\t")


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "order", "published"]
        error_messages = {"name": {NULL_CHARACTERS: control_characters_message("カテゴリ名")}}

    def clean_name(self):
        return reject_control_characters(self.cleaned_data["name"], "カテゴリ名")


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["category", "question", "answer", "order", "published"]
        error_messages = {
            "question": {NULL_CHARACTERS: control_characters_message("ご質問")},
            "answer": {NULL_CHARACTERS: control_characters_message("回答")},
        }

    def clean_question(self):
        return reject_control_characters(self.cleaned_data["question"], "ご質問")

    def clean_answer(self):
        answer = self.cleaned_data["answer"]
        reject_control_characters(answer.translate(ANSWER_LAYOUT), "回答")
        return answer
