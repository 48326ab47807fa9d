"""Parsing only: the rules live in privacy.services.subjects."""

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import DataSubjectRequest

ERASE_CONFIRMATION = "ERASE"


class RectifyForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label=_("Name"))
    email = forms.CharField(required=False, max_length=254, label=_("E-mail"))
    phone = forms.CharField(required=False, max_length=50, label=_("Phone"))


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=DataSubjectRequest.Kind.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EraseForm(forms.Form):
    confirm = forms.CharField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance: formatting a lazy string at import would fix its language.
        self.fields["confirm"].label = _('Type "%(word)s" to confirm') % {"word": ERASE_CONFIRMATION}

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != ERASE_CONFIRMATION:
            raise forms.ValidationError(
                _('Type "%(word)s" in capitals to confirm.') % {"word": ERASE_CONFIRMATION}
            )
        return ERASE_CONFIRMATION
