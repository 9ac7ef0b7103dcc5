"""What can go wrong while signing in, renewing a sign-in or keeping tokens.

Every exception is a `SnapError`, so `.message` is one line a user can act on and `str(e)` is the
same line. No message ever contains a token, a code, a verifier or a client secret.
"""

from __future__ import annotations

from snapdesk.api.errors import AuthError, SnapError

__all__ = [
    "AccessDenied",
    "CodeExchangeFailed",
    "InvalidRedirect",
    "KeyringUnavailable",
    "LoginError",
    "LoginTimedOut",
    "NotSignedIn",
    "OAuthAppNotConfigured",
    "PortInUse",
    "ProfileError",
    "SignInRequired",
    "StateMismatch",
]

NOT_SIGNED_IN_MESSAGE = "not signed in — sign in with `snapdesk login` (or open `snapdesk`)"


class SignInRequired(AuthError):
    """Snap's token endpoint refused the stored refresh token (400/401): sign in again.

    A subclass of `snapdesk.api.errors.AuthError`, so code that already handles a rejected access
    token handles this too.
    """

    def __init__(
        self,
        profile: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        debug_message: str | None = None,
    ) -> None:
        super().__init__(
            f"Your Snap sign-in for {profile} has expired or was revoked — sign in again",
            status=status,
            error_code=error_code,
            debug_message=debug_message,
            method="POST",
            path="/login/oauth2/access_token",
        )
        self.profile = profile


class NotSignedIn(SnapError):
    """No `SNAPDESK_ACCESS_TOKEN` and no stored login to use."""

    def __init__(self, message: str = NOT_SIGNED_IN_MESSAGE) -> None:
        super().__init__(message)


class KeyringUnavailable(SnapError):
    """No working system keyring: tokens cannot be kept safely between sessions."""

    DEFAULT = (
        "No system keyring is available to keep your Snap sign-in safe (on Linux, install and "
        "unlock GNOME Keyring or KWallet); snapdesk can keep it in memory for this session only"
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.DEFAULT)


class OAuthAppNotConfigured(SnapError):
    """The user's Snap OAuth app (client id, secret, redirect URI) is not set up yet."""


class ProfileError(SnapError):
    """A login (profile) name is invalid, missing or already taken."""


class LoginError(SnapError):
    """The sign-in flow did not produce an authorization code."""


class AccessDenied(LoginError):
    """The user pressed Deny on Snap's consent page (or Snap refused the request)."""


class StateMismatch(LoginError):
    """The redirect's `state` is not the one this sign-in sent: possibly a forged redirect."""


class LoginTimedOut(LoginError):
    """No redirect arrived in time."""


class PortInUse(LoginError):
    """The redirect URI's port is taken, so the loopback listener cannot start."""

    def __init__(self, message: str, *, port: int) -> None:
        super().__init__(message)
        self.port = port


class InvalidRedirect(LoginError):
    """A pasted text is not the address Snap redirected the browser to."""


class CodeExchangeFailed(LoginError):
    """Snap's token endpoint refused the authorization code (reused, expired, wrong app...)."""

    def __init__(
        self, message: str, *, status: int | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
