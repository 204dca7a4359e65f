"""Every error nblaunch raises on purpose, one tree with stable codes.

Each error carries a class-level ``code`` (stable, for programs), an HTTP ``status`` (for the two
HTTP doors, the server extension and the hub service) and a message written for the person who
clicked the link: it says what is wrong and what to do. Anything that is not an ``NBLaunchError``
is a bug, answered with a 500 whose traceback stays in the server log.

    NBLaunchError                      nblaunch-error       400
    ├── QueryError                     bad-query            400
    │   ├── DuplicateParameterError    duplicate-parameter  400
    │   └── ControlValueError          bad-control          400
    ├── ParameterError                 invalid-parameters   400  (holds every problem at once)
    │   ├── UnknownParameterError      unknown-parameter    400
    │   ├── ParameterTypeError         wrong-type           400
    │   ├── ValueTooLargeError         value-too-large      400
    │   └── InvalidNameError           invalid-name         400
    │       └── ReservedNameError      reserved-name        400
    ├── TemplateError                  bad-template         400
    │   ├── TemplateNotFoundError      template-not-found   404
    │   ├── NotANotebookError          not-a-notebook       400
    │   ├── UnsafePathError            unsafe-path          404
    │   └── TemplateMetadataError      bad-metadata         400
    ├── UnsupportedLanguageError       unsupported-language 400
    ├── CopyConflictError              copy-edited          409
    ├── TicketError                    bad-ticket           403
    │   ├── TicketExpiredError         ticket-expired       403
    │   ├── TicketReplayError          ticket-replayed      403
    │   └── UserNameError              user-name-not-normal 400
    ├── OriginError                    bad-origin           400
    ├── GrantError                     bad-grant            400
    ├── ServerStartError               server-failed        503
    ├── SignatureError                 bad-signature        403  (a signed link was changed)
    │   ├── SignatureExpiredError      signature-expired    403
    │   ├── SignatureRequiredError     signature-required   403
    │   └── UnknownKeyError            unknown-key          403
    └── KeyFileError                   bad-key-file         500  (the operator's link key file)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar


class NBLaunchError(Exception):
    """Base of every deliberate nblaunch error.

    >>> NBLaunchError("Something is off.").to_json()
    {'code': 'nblaunch-error', 'message': 'Something is off.'}
    """

    code: ClassVar[str] = "nblaunch-error"
    status: ClassVar[int] = 400

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_json(self) -> dict[str, Any]:
        """The ``{"code", "message"}`` body that HTTP handlers send."""
        return {"code": self.code, "message": self.message}


class QueryError(NBLaunchError):
    """The link's query string cannot be read."""

    code = "bad-query"


class DuplicateParameterError(QueryError):
    """One parameter was given in two different forms (``x=1&param_x=2``)."""

    code = "duplicate-parameter"


class ControlValueError(QueryError):
    """A control option (``ui``, ``copy``, ``autorun``, ``server``) has a value not in its table."""

    code = "bad-control"


class ParameterError(NBLaunchError):
    """One or more parameters are wrong; ``problems`` lists every one of them."""

    code = "invalid-parameters"

    def __init__(self, problems: Sequence[ParameterError], **fields: Any) -> None:
        self.problems = list(problems)
        message = "; ".join(p.message for p in self.problems) or "Invalid parameters."
        super().__init__(message, **fields)

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        body["problems"] = [
            {"code": p.code, "message": p.message, **p.fields} for p in self.problems
        ]
        return body


class _OneProblem(ParameterError):
    def __init__(self, message: str, **fields: Any) -> None:
        NBLaunchError.__init__(self, message, **fields)
        self.problems = [self]


class UnknownParameterError(_OneProblem):
    """The notebook declares no parameter of that name."""

    code = "unknown-parameter"


class ParameterTypeError(_OneProblem):
    """A value cannot be read as the parameter's declared type."""

    code = "wrong-type"


class ValueTooLargeError(_OneProblem):
    """A value is longer than the configured limit."""

    code = "value-too-large"


class InvalidNameError(_OneProblem):
    """A parameter name is not a plain identifier, so it could never be injected safely."""

    code = "invalid-name"


class TemplateError(NBLaunchError):
    """The template notebook cannot be used."""

    code = "bad-template"


class TemplateNotFoundError(TemplateError):
    code = "template-not-found"
    status = 404


class NotANotebookError(TemplateError):
    code = "not-a-notebook"


class UnsafePathError(TemplateError):
    """A path leaves the server root or names a hidden file."""

    code = "unsafe-path"
    status = 404


class UnsupportedLanguageError(NBLaunchError):
    """The notebook's kernel language has no translator that escapes strings safely."""

    code = "unsupported-language"


class CopyConflictError(NBLaunchError):
    """``copy=overwrite`` would replace a copy the user has edited."""

    code = "copy-edited"
    status = 409


class TicketError(NBLaunchError):
    """A login ticket is malformed, forged or for the wrong use."""

    code = "bad-ticket"
    status = 403


class UserNameError(TicketError, ValueError):
    """A user name that is not a Hub user name as is (upper case, spaces, ``/``, empty).

    Also a ``ValueError``: the host application passed a wrong argument.
    """

    code = "user-name-not-normal"
    status = 400


class TicketExpiredError(TicketError):
    code = "ticket-expired"


class TicketReplayError(TicketError):
    code = "ticket-replayed"


class ServerStartError(NBLaunchError):
    """The user's Jupyter server did not start."""

    code = "server-failed"
    status = 503


class ReservedNameError(InvalidNameError):
    """A name would replace something the kernel provides (``print``, ``__name__``, R's ``T``).

    Only where the template declares no parameters: a declared name is the author's choice.
    """

    code = "reserved-name"


class TemplateMetadataError(TemplateError):
    """The template's metadata (``kernelspec``, ``language_info``) has the wrong shape."""

    code = "bad-metadata"


def collect(problems: Iterable[ParameterError]) -> None:
    """Raise one ``ParameterError`` holding every problem, if there is any.

    >>> collect([])  # nothing to report
    """
    found = [q for p in problems for q in p.problems]
    if found:
        raise ParameterError(found)


class OriginError(NBLaunchError):
    """A configured origin is not an exact ``scheme://host[:port]`` origin."""

    code = "bad-origin"


class GrantError(NBLaunchError):
    """A request to issue or redeem an autorun grant cannot be read."""

    code = "bad-grant"


class SignatureError(NBLaunchError):
    """A signed link does not match its signature: ``changes`` says what was changed."""

    code = "bad-signature"
    status = 403


class SignatureExpiredError(SignatureError):
    """A signed link whose expiry (``exp=``) has passed."""

    code = "signature-expired"


class SignatureRequiredError(SignatureError):
    """The template opens only from a link signed by a key this server holds."""

    code = "signature-required"


class UnknownKeyError(SignatureError):
    """A link signed with a key id this server does not hold (retired, or another site's)."""

    code = "unknown-key"


class KeyFileError(NBLaunchError):
    """The link key file cannot be read or has the wrong format (an operator's problem)."""

    code = "bad-key-file"
    status = 500
