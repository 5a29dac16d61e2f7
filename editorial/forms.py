"""Forms of the staff desk."""

from django import forms

from articles.models import Article
from articles.rendering import nesting_problem, normalise_line_ends
from reviews.models import NOTE_LENGTH, WHAT_CHANGED_LENGTH


class ArticleForm(forms.ModelForm):
    """The article change form, carrying the edit_version it was loaded at (optimistic locking).

    A save is refused, with the editor's text left in the form, when the article was saved by
    someone else since: the form's number is then behind the saved one. Storing the next
    number is the caller's: `cleaned_data["edit_version"] + 1` (see ArticleAdmin.save_model).
    """

    edit_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    # Read by "Save and submit for review" only; part of the form so that a refused save or
    # submission shows them again as typed.
    what_changed = forms.CharField(
        label="What changed, for readers",
        required=False,
        max_length=WHAT_CHANGED_LENGTH,
        help_text="One line for the update history readers see once the board approves.",
    )
    submit_note = forms.CharField(
        label="Note for the board",
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Never shown to readers.",
    )
    # Set by the admin on a form shown again after a refused submission: the reason.
    submit_refusal = None

    class Meta:
        model = Article
        # The admin narrows these to its fieldsets.
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "evidence_note",
            "topics",
            "allow_pending_publication",
            "review_interval_months",
            "edit_version",
        ]
        # Every text field has its model's limit; these say what to do about it.
        error_messages = {
            "body": {
                "max_length": "The body is too long: %(show_value)s characters, at most "
                "%(limit_value)s. Split it into several articles."
            },
            "summary": {
                "max_length": "The summary is too long: %(show_value)s characters, at most "
                "%(limit_value)s. It should be one plain paragraph."
            },
            "evidence_note": {
                "max_length": "The evidence note is too long: %(show_value)s characters, at "
                "most %(limit_value)s."
            },
        }

    def clean_body(self):
        # Browsers send a textarea's line ends as CRLF: stored as LF, a browser's save compares
        # line for line with text saved any other way (an import, a round's snapshot).
        body = normalise_line_ends(self.cleaned_data["body"])
        too_deep = nesting_problem(body)
        if too_deep:
            raise forms.ValidationError(too_deep.message)
        return body

    def clean_evidence_note(self):
        return normalise_line_ends(self.cleaned_data.get("evidence_note", ""))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edit_version"].initial = self.instance.edit_version
        # A new article has nothing to collide with.
        self.fields["edit_version"].required = self.instance.pk is not None
        # Set when the save is refused: (the version the editor loaded, the version saved).
        self.edit_conflict = None

    def saved_edit_version(self):
        """The edit_version saved now, read with the row locked until the transaction ends.

        Validate inside the transaction that saves (the admin's change view is atomic), so
        that two saves of one version cannot both pass. None if the article is gone.
        """
        return (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("edit_version", flat=True)
            .first()
        )

    def clean(self):
        cleaned_data = super().clean()
        loaded = cleaned_data.get("edit_version")
        if self.instance.pk is None or loaded is None:
            return cleaned_data
        saved = self.saved_edit_version()
        if loaded != saved:
            self.edit_conflict = (loaded, saved)
            # The form is shown again at the saved number, so saving it once more, after
            # reading the other change, is a deliberate overwrite rather than an accident.
            self.data = self.data.copy()
            self.data[self.add_prefix("edit_version")] = saved
            raise forms.ValidationError(
                "Not saved: someone else saved this article after you opened it. Your text is "
                "still below; compare it with their change, merge what you need and save again.",
                code="edit_conflict",
            )
        if self.submit_refusal is not None:
            reasons = getattr(self.submit_refusal, "diagnostics", None)
            raise forms.ValidationError(
                [
                    f"Not submitted, and not saved: {problem.message}"
                    + (f" (line {problem.line})" if problem.line else "")
                    for problem in reasons
                ]
                if reasons
                else [f"Not submitted, and not saved: {self.submit_refusal}"],
                code="submit_refused",
            )
        return cleaned_data
