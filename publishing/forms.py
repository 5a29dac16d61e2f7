"""The one form readers fill in: a follow-up question on an article."""

from django import forms


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="Your question",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 50}),
        help_text=(
            "Please do not include personal medical details. We cannot give individual advice."
        ),
    )
    audience = forms.SlugField(required=False, widget=forms.HiddenInput)
    # A field people never see and bots fill in.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if "\x00" in text:
            raise forms.ValidationError("The question contains characters we cannot store.")
        return text.strip()
