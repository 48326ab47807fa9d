"""Parsing only: the rules live in privacy.services.subjects."""

from django import forms

from privacy.models import DataSubjectRequest

ERASE_CONFIRMATION = "ERASE"


class RectifyForm(forms.Form):
    name = forms.CharField(required=False, max_length=200)
    email = forms.CharField(required=False, max_length=254, label="E-mail")
    phone = forms.CharField(required=False, max_length=50)


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=DataSubjectRequest.Kind.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EraseForm(forms.Form):
    confirm = forms.CharField(label=f'Type "{ERASE_CONFIRMATION}" to confirm')

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != ERASE_CONFIRMATION:
            raise forms.ValidationError(f'Type "{ERASE_CONFIRMATION}" in capitals to confirm.')
        return ERASE_CONFIRMATION
