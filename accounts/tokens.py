"""One-time, expiring links for invitations (Django's password-reset token, with its own salt).

A token is bound to the account's password hash and last login, so it stops working once the
invitee has set a password, and after PASSWORD_RESET_TIMEOUT seconds (docker/.env.example).
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()
