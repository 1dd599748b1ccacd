"""Sign-in forms."""

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """allauth's password sign-in form, reporting the typed name to axes as ``login`` so failed
    sign-ins are counted and locked out per username or email."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        # allauth puts a "Forgot your password?" link under the field; the page has its own.
        self.fields["password"].help_text = ""

    def user_credentials(self) -> dict:
        credentials = super().user_credentials()
        credentials["login"] = credentials.get("email") or credentials.get("username")
        return credentials
