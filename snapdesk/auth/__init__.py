"""OAuth sign-in for snapdesk (Qt-free): the user's Snap OAuth app, logins, tokens in the keyring.

- `OAuthAppSettings` / `load_app_settings` / `save_app_settings` / `resolve_oauth_app`
- `login_flow` (CLI and simple callers) and `LoginSession` (step by step, for a dialog)
- `RefreshingTokenProvider`, `token_provider_for_cli`
- `KeyringTokenStore`, `MemoryTokenStore`, `KeyringUnavailable`
- `Profiles`, `confirm_access`
"""

from snapdesk.auth.endpoint import TokenEndpoint
from snapdesk.auth.errors import (
    AccessDenied,
    CodeExchangeFailed,
    InvalidRedirect,
    KeyringUnavailable,
    LoginError,
    LoginTimedOut,
    NotSignedIn,
    OAuthAppNotConfigured,
    PortInUse,
    ProfileError,
    SignInRequired,
    StateMismatch,
)
from snapdesk.auth.headless import provider_for_login, token_provider_for_cli
from snapdesk.auth.login import (
    DEFAULT_LOGIN_TIMEOUT,
    AuthorizationRequest,
    LoginResult,
    LoginSession,
    build_authorization_request,
    login_flow,
    parse_redirect_url,
    pkce_challenge,
)
from snapdesk.auth.profiles import (
    DEFAULT_PROFILE,
    REVOKE_REMINDER,
    AccessSummary,
    Profile,
    Profiles,
    confirm_access,
    validate_profile_name,
)
from snapdesk.auth.provider import RefreshingTokenProvider
from snapdesk.auth.settings import (
    CONVERSIONS_SCOPE,
    MARKETING_SCOPE,
    LoopbackTarget,
    OAuthApp,
    OAuthAppSettings,
    effective_settings,
    load_app_settings,
    loopback_target,
    resolve_oauth_app,
    save_app_settings,
)
from snapdesk.auth.tokens import (
    KEYRING_SERVICE,
    KeyringTokenStore,
    MemoryTokenStore,
    TokenSet,
    TokenStore,
    check_keyring,
)

__all__ = [
    "CONVERSIONS_SCOPE",
    "DEFAULT_LOGIN_TIMEOUT",
    "DEFAULT_PROFILE",
    "KEYRING_SERVICE",
    "MARKETING_SCOPE",
    "REVOKE_REMINDER",
    "AccessDenied",
    "AccessSummary",
    "AuthorizationRequest",
    "CodeExchangeFailed",
    "InvalidRedirect",
    "KeyringTokenStore",
    "KeyringUnavailable",
    "LoginError",
    "LoginResult",
    "LoginSession",
    "LoginTimedOut",
    "LoopbackTarget",
    "MemoryTokenStore",
    "NotSignedIn",
    "OAuthApp",
    "OAuthAppNotConfigured",
    "OAuthAppSettings",
    "PortInUse",
    "Profile",
    "ProfileError",
    "Profiles",
    "RefreshingTokenProvider",
    "SignInRequired",
    "StateMismatch",
    "TokenEndpoint",
    "TokenSet",
    "TokenStore",
    "build_authorization_request",
    "check_keyring",
    "confirm_access",
    "effective_settings",
    "load_app_settings",
    "login_flow",
    "loopback_target",
    "parse_redirect_url",
    "pkce_challenge",
    "provider_for_login",
    "resolve_oauth_app",
    "save_app_settings",
    "token_provider_for_cli",
    "validate_profile_name",
]
