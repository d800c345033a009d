"""Application errors rendered as RFC 9457 problem details in the request's language."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from eldercare.i18n import negotiate, translate

log = logging.getLogger("eldercare.errors")

PROBLEM_JSON = "application/problem+json"


class FieldError:
    """One bad field: where it is, a stable code, and parameters for the message."""

    __slots__ = ("code", "fallback", "loc", "params")

    def __init__(
        self, loc: list[str | int], code: str, fallback: str | None = None, **params: Any
    ) -> None:
        self.loc = loc
        self.code = code
        self.fallback = fallback
        self.params = params

    def render(self, lang: str) -> dict[str, Any]:
        return {
            "loc": self.loc,
            "code": self.code,
            "message": translate(self.code, lang, self.fallback, **self.params),
        }


class AppError(Exception):
    status = 400
    code = "error"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        commit: bool = False,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or type(self).code
        super().__init__(self.code)
        self.errors = errors or []
        self.headers = headers or {}
        # Keep what the request wrote before failing (e.g. a failed-login audit row).
        self.commit = commit
        self.extra = extra or {}
        self.params = params


class BadRequest(AppError):
    status = 400
    code = "error"


class Unauthorized(AppError):
    status = 401
    code = "auth.not_authenticated"

    def __init__(self, code: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(code, **kwargs)


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Gone(AppError):
    status = 410
    code = "gone"


class PreconditionFailed(AppError):
    status = 412
    code = "precondition_failed"


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"


class PreconditionRequired(AppError):
    status = 428
    code = "precondition_required"


class BodyTooLarge(StarletteHTTPException):
    """A request body over ``ELDERCARE_MAX_UPLOAD_MB``, found while it is read.

    An HTTP exception, so that FastAPI's body parsing passes it on as it is."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(413, "request.too_large")
        self.limit_mb = limit_mb


class TooManyRequests(AppError):
    status = 429
    code = "auth.throttled"


class ProblemFieldError(BaseModel):
    """One bad field of a problem: where (``loc``), a stable ``code`` and a message."""

    loc: list[str | int] = Field(description='Path to the field, e.g. `["body", "phone"]`')
    code: str = Field(description="Stable, machine-readable code of the error")
    message: str = Field(description="The error in the request's language")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the API is sent
    (`application/problem+json`). Some problems add members of their own (e.g.
    `current_version` on 412, `allowed` on a refused incident transition)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`urn:eldercare:problem:<code>`")
    title: str = Field(description="The HTTP status's name")
    status: int
    detail: str = Field(description="What went wrong, in the request's language (zh-CN or en)")
    code: str = Field(description="Stable, machine-readable code")
    errors: list[ProblemFieldError] = Field(
        default_factory=list, description="The fields that failed, if any"
    )
    request_id: str | None = Field(default=None, description="Also in `X-Request-ID`")


def may_return(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer ``statuses`` beyond those its parameters,
    its authorization rule and its path imply (see :mod:`eldercare.openapi`)."""
    return {status: {"description": TITLES[status]} for status in statuses}


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Content Too Large",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem(
    request: Request,
    status: int,
    code: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    fallback: str | None = None,
    params: dict[str, Any] | None = None,
) -> JSONResponse:
    lang = negotiate(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": f"urn:eldercare:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": translate(code, lang, fallback, **(params or {})),
        "code": code,
        "errors": [e.render(lang) for e in errors or []],
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    response = JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)
    response.headers["Content-Language"] = lang
    return response


def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem(
        request,
        exc.status,
        exc.code,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
        params=exc.params,
    )


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        errors.append(FieldError(list(err["loc"]), err["type"], err.get("msg"), **ctx))
    return problem(request, 422, "validation_failed", errors=errors)


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float) else str(value)


def too_large(request: Request, limit_mb: int) -> JSONResponse:
    return problem(request, 413, "request.too_large", params={"limit_mb": limit_mb})


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        return too_large(request, exc.limit_mb)
    # FastAPI and Starlette raise a 400 only for a body they cannot parse: JSON nested too
    # deeply or not UTF-8, a form with too many fields or parts, a broken multipart body
    code = {400: "request.bad_body", 404: "route_not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return problem(
        request,
        exc.status_code,
        code,
        headers=dict(exc.headers or {}),
        fallback=str(exc.detail),
    )


def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(request, 500, "internal_error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
