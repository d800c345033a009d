"""The baseline: a bare Starlette endpoint that decodes the same JWT and returns its claims."""

from __future__ import annotations

import os

from jose import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["ELDERCARE_JWT_SECRET"]


async def me(request: Request) -> JSONResponse:
    token = request.headers.get("authorization", "")[7:]
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="eldercare-api", issuer="eldercare"
    )
    return JSONResponse({"id": claims["sub"], "role": claims["role"], "region": claims["region"]})


app = Starlette(routes=[Route("/api/v1/auth/me", me)])
